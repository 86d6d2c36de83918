#include "drivers/core/module_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace evhil {
namespace {

std::vector<std::filesystem::path> module_folders() {
    std::vector<std::filesystem::path> folders;
    if (const char* dir = std::getenv("EVCHARGERD_MODULE_DIR"); dir != nullptr && *dir != '\0') {
        folders.emplace_back(dir);
    }
    std::array<char, 4096> exe{};
    auto length = ::readlink("/proc/self/exe", exe.data(), exe.size() - 1);
    if (length > 0) {
        auto folder = std::filesystem::path(std::string(exe.data(), static_cast<std::size_t>(length))).parent_path();
        folders.push_back(folder);
        folders.push_back(folder.parent_path() / "lib" / "evchargerd");
    }
    return folders;
}

}  // namespace

void* load_module_symbol(const std::string& file, const std::string& symbol, const std::string& what) {
    std::string tried;
    for (const auto& folder : module_folders()) {
        auto path = folder / file;
        if (!std::filesystem::exists(path)) {
            tried += (tried.empty() ? "" : ", ") + path.string();
            continue;
        }
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            throw std::runtime_error("cannot load " + what + " " + path.string() + ": " + ::dlerror());
        }
        void* entry = ::dlsym(handle, symbol.c_str());
        if (entry == nullptr) {
            throw std::runtime_error(what + " " + path.string() + " has no " + symbol);
        }
        return entry;
    }
    throw std::runtime_error("cannot find " + what + " " + file + " (looked for " + tried +
                             "; install it beside evchargerd or set EVCHARGERD_MODULE_DIR)");
}

}  // namespace evhil
