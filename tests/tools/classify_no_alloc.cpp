// engine::classify allocates nothing, on the rule path or the model path: global operator new is
// replaced here with a counting one, and every verdict on the corpora and on generated text is
// taken with counting on. A separate program (a ctest), so the replacement touches nothing else.
#include "engine/classify/classify.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

int main() {
    namespace fs = std::filesystem;
    std::vector<std::string> texts;
    const fs::path data = fs::path(R1_SOURCE_DIR) / "tests/data/classify";
    std::vector<fs::path> files{data / "corpus.tsv"};
    for (const auto& e : fs::directory_iterator(data / "real"))
        if (e.path().extension() == ".tsv") files.push_back(e.path());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line[0] == '#') continue;
            auto tab = line.rfind('\t');
            texts.push_back(line.substr(tab == std::string::npos ? 0 : tab + 1));
        }
    }
    std::string tail;
    for (const auto& t : texts) tail += t + "\n";
    texts.push_back(tail);  // a multi-megabyte tail through the model path
    texts.push_back(std::string(1 << 20, 'a') + " error timed out");
    std::size_t model_verdicts = 0;
    counting = true;
    for (const auto& t : texts) {
        auto v = r1::engine::classify(t);
        model_verdicts += v.signal == "model";
        (void)r1::engine::classify(t, {.retry_budget = std::chrono::hours(3)});
    }
    counting = false;
    std::printf("classify_no_alloc: %zu texts, %zu decided by the model, %zu allocations\n", texts.size(),
                model_verdicts, allocations.load());
    if (texts.size() < 1000 || model_verdicts == 0) return std::puts("classify_no_alloc: corpus missing"), 1;
    return allocations.load() == 0 ? 0 : 1;
}
