#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "drivers/transport/mqtt/paho_module.hpp"

namespace evhil::mqtt {
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

PahoModuleEntry load_entry() {
    std::string tried;
    for (const auto& folder : module_folders()) {
        auto file = folder / paho_module_file;
        if (!std::filesystem::exists(file)) {
            tried += (tried.empty() ? "" : ", ") + file.string();
            continue;
        }
        // Never closed: transports made by it may live until the process ends.
        void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            throw std::runtime_error("cannot load the MQTT module " + file.string() + ": " + ::dlerror());
        }
        void* entry = ::dlsym(handle, paho_module_entry);
        if (entry == nullptr) {
            throw std::runtime_error("the MQTT module " + file.string() + " has no " + paho_module_entry);
        }
        return reinterpret_cast<PahoModuleEntry>(entry);
    }
    throw std::runtime_error(std::string("cannot find the MQTT module ") + paho_module_file + " (looked for " + tried +
                             "; install it beside evchargerd or set EVCHARGERD_MODULE_DIR)");
}

}  // namespace

std::unique_ptr<MqttTransport> load_paho_transport(Executor& executor) {
    static const PahoModuleEntry entry = load_entry();  // a failed load throws, and the next call tries again
    return std::unique_ptr<MqttTransport>(entry(&executor));
}

}  // namespace evhil::mqtt
