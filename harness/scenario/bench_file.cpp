#include "harness/scenario/bench_file.hpp"

#include <filesystem>

#include "drivers/core/config.hpp"

namespace evhil::harness {

using namespace std::chrono_literals;

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
        node.allow_keys({"host", "port", "station_unit", "socket_unit", "max_current", "read_only", "connect_timeout",
                         "response_timeout"});
        BenchDevice device;
        device.id = id;
        device.host = node.required("host").as_string();
        device.port = static_cast<std::uint16_t>(node.get_int("port", device.port, 1, 65535));
        if (auto unit = node.optional("station_unit")) {
            device.station_unit = static_cast<std::uint8_t>(unit->as_int(0, 255));
        }
        if (auto unit = node.optional("socket_unit")) {
            device.socket_unit = static_cast<std::uint8_t>(unit->as_int(0, 255));
        }
        // Required on purpose: a bench file without an explicit cap must not let a scenario command 32 A.
        device.max_current_a = node.required("max_current").as_double(0, 80);
        device.read_only = node.get_bool("read_only", false);
        device.connect_timeout = node.get_duration("connect_timeout", device.connect_timeout, 100ms, 1min);
        device.response_timeout = node.get_duration("response_timeout", device.response_timeout, 100ms, 1min);
        device.node = node;
        bench.devices.emplace(id, device);
    }
    return bench;
}

}  // namespace evhil::harness
