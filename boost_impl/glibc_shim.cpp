// Only in builds with R1_OPENSSL_ROOT (a newer Debian's static OpenSSL, see CMakeLists.txt): glibc
// 2.38 compiles strtol as __isoc23_strtol, which accepts a 0b prefix with base 0 or 2. OpenSSL
// calls it with base 10 or 16 only, where both behave the same, so the older strtol stands in.
#include <cstdlib>

extern "C" long __isoc23_strtol(const char* s, char** end, int base) { return std::strtol(s, end, base); }
