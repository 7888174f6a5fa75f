#pragma once
/// The fuzz targets' property check: a violated property is a crash libFuzzer records and minimises.
#include <cstdlib>

namespace r1::fuzz {

inline void check(bool property_holds) {
    if (!property_holds) std::abort();
}

}  // namespace r1::fuzz
