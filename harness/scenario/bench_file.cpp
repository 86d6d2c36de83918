#include "harness/scenario/bench_file.hpp"

#include <filesystem>

#include "drivers/core/config.hpp"

namespace evhil::harness {

using namespace std::chrono_literals;

const std::vector<std::string>& bench_cap_keys() {
    static const std::vector<std::string> keys{"max_current", "read_only"};
    return keys;
}

BenchFile load_bench_file(const std::string& path) {
    auto root = ConfigNode::load_file(path);
    root.allow_keys({"name", "devices", "operator"});
    BenchFile bench;
    bench.file = path;
    bench.name = root.get_string("name", std::filesystem::path(path).stem().string());
    if (auto operator_node = root.optional("operator")) {
        operator_node->allow_keys({"prompt_timeout"});
        bench.prompt_timeout = operator_node->get_duration("prompt_timeout", bench.prompt_timeout, 1s, 24h);
    }
    auto devices = root.required("devices");
    for (const auto& id : devices.keys()) {
        auto node = devices.required(id);
        BenchDevice device;
        device.id = id;
        // Required on purpose: a bench file without an explicit cap must not let a scenario command 32 A.
        device.max_current_a = node.required("max_current").as_double(0, 80);
        device.read_only = node.get_bool("read_only", false);
        device.node = node;
        bench.devices.emplace(id, device);
    }
    return bench;
}

}  // namespace evhil::harness
