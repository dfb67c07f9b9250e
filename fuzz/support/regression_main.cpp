// Replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer, so the
// corpus runs as a regression test with any compiler (and under the sanitizer build).
// Usage: <program> DIR_OR_FILE...   Exit status 0 when every input ran; 1 when none was found.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
void run(const std::filesystem::path& file) {
    std::ifstream in{file, std::ios::binary};
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}
} // namespace

int main(int argc, char** argv) {
    std::size_t inputs = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path path{argv[i]};
        if (std::filesystem::is_directory(path)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator{path})
                if (entry.is_regular_file()) { run(entry.path()); ++inputs; }
        } else if (std::filesystem::is_regular_file(path)) {
            run(path);
            ++inputs;
        }
    }
    std::printf("%zu inputs ran without a crash or a sanitizer report\n", inputs);
    return inputs > 0 ? 0 : 1;
}
