// A real child for proc/ and integration tests. Runs its arguments as a little script, in order:
//   exit N | sleep MS | ignore-sigterm | ignore-sigint | spew BYTES | spew-err BYTES | print FILE
//   | raise SIGNO | out TEXT | err TEXT | grandchild PIDFILE (forks a child that sleeps 10 min and writes its pid)
//   | pid PIDFILE (writes its own pid) | cwd FILE (writes its working directory)
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

void write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        auto w = ::write(fd, data, n);
        if (w < 0) std::exit(120);  // the reader went away
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

void spew(int fd, unsigned long long bytes) {
    std::string block(64 * 1024, 'x');
    for (std::size_t i = 63; i < block.size(); i += 64) block[i] = '\n';
    while (bytes > 0) {
        auto n = static_cast<std::size_t>(std::min<unsigned long long>(bytes, block.size()));
        write_all(fd, block.data(), n);
        bytes -= n;
    }
}

void write_file(const char* path, const std::string& text) {
    std::ofstream f(path);
    f << text << '\n';
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& op = args[i];
        const std::string arg = i + 1 < args.size() ? args[i + 1] : "";
        if (op == "exit") return std::atoi(arg.c_str());
        if (op == "sleep") {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(arg.c_str())));
            ++i;
        } else if (op == "raise") {
            std::signal(std::atoi(arg.c_str()), SIG_DFL);
            std::raise(std::atoi(arg.c_str()));
            ++i;
        } else if (op == "ignore-sigterm") {
            std::signal(SIGTERM, SIG_IGN);
        } else if (op == "ignore-sigint") {
            std::signal(SIGINT, SIG_IGN);
        } else if (op == "spew") {
            spew(1, std::strtoull(arg.c_str(), nullptr, 10));
            ++i;
        } else if (op == "spew-err") {
            spew(2, std::strtoull(arg.c_str(), nullptr, 10));
            ++i;
        } else if (op == "print") {
            std::ifstream f(arg, std::ios::binary);
            std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            write_all(1, content.data(), content.size());
            ++i;
        } else if (op == "out" || op == "err") {
            write_all(op == "out" ? 1 : 2, arg.data(), arg.size());
            ++i;
        } else if (op == "grandchild") {
            if (pid_t pid = ::fork(); pid == 0) {
                std::signal(SIGINT, SIG_IGN);  // like a shell's background job
                std::this_thread::sleep_for(std::chrono::minutes(10));
                std::_Exit(0);
            } else {
                write_file(arg.c_str(), std::to_string(pid));
            }
            ++i;
        } else if (op == "pid") {
            write_file(arg.c_str(), std::to_string(::getpid()));
            ++i;
        } else if (op == "cwd") {
            char buf[4096];
            write_file(arg.c_str(), ::getcwd(buf, sizeof buf) ? buf : "?");
            ++i;
        } else {
            std::fprintf(stderr, "fake_cli: unknown op %s\n", op.c_str());
            return 99;
        }
    }
    return 0;
}
