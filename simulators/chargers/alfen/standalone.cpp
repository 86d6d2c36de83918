#include "simulators/chargers/alfen/standalone.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/core/log.hpp"
#include "drivers/transport/modbus/tcp_server.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/common/run_until_signalled.hpp"

namespace evhil::sim::alfen {

int run_alfen_simulator(const AlfenStandaloneOptions& options) {
    RealClock clock;
    log::set_log_clock(&clock);
    Executor executor(clock);

    physics::EvSettings ev_settings = options.ev;
    if (options.initial_soc) {
        ev_settings.initial_soc = *options.initial_soc;
    }
    std::vector<std::unique_ptr<physics::Ev>> evs;
    for (int i = 0; i < options.settings.sockets; ++i) {
        evs.push_back(std::make_unique<physics::Ev>(ev_settings));
        if (options.ev_plugged_in) {
            evs.back()->plug_in();
        }
    }
    AlfenStation station(options.settings, clock, evs[0].get(), evs.size() > 1 ? evs[1].get() : nullptr);
    modbus::TcpServer server(executor, station, options.host, options.port);
    station.set_on_reboot([&server] { server.close_all_connections(); });

    try {
        server.start();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s\n", error.what());
        log::set_log_clock(nullptr);
        return 1;
    }
    std::string units = options.settings.sockets == 2 ? "200, 1, 2" : "200, 1";
    fmt::print("alfen simulator listening on {}:{} (units {})\n", options.host, server.port(), units);
    std::fflush(stdout);

    executor.schedule_every(options.physics_step, [&station, &options] { station.step(options.physics_step); });
    run_until_signalled(executor);

    server.stop();
    log::set_log_clock(nullptr);
    return 0;
}

StandaloneSimulator standalone_simulator() {
    return {"alfen", "Alfen NG9xx on Modbus TCP (unit 200 station, unit 1 socket)", [](CLI::App& command) {
                auto options = std::make_shared<AlfenStandaloneOptions>();
                options->port = 1502;  // 502 needs root; the real station's port is one flag away
                auto unplugged = std::make_shared<bool>(false);
                auto soc_percent = std::make_shared<double>(options->ev.initial_soc * 100.0);
                auto config = std::make_shared<std::string>();
                command.add_option("--host", options->host, "Address to listen on")->capture_default_str();
                command.add_option("--port", options->port, "TCP port (0 = any free port; the real station uses 502)")
                    ->capture_default_str();
                command.add_flag("--unplugged", *unplugged,
                                 "Start with no EV plugged in (default: an EV is plugged in)");
                command.add_option("--soc", *soc_percent, "EV state of charge at start, %")
                    ->check(CLI::Range(0.0, 100.0))
                    ->capture_default_str();
                command.add_option("--config", *config, "YAML file with station settings (docs/alfen.md)")
                    ->check(CLI::ExistingFile);
                return [options, unplugged, soc_percent, config] {
                    options->ev_plugged_in = !*unplugged;
                    options->initial_soc = *soc_percent / 100.0;
                    if (!config->empty()) {
                        options->settings = parse_alfen_station_settings(ConfigNode::load_file(*config));
                    }
                    return run_alfen_simulator(*options);
                };
            }};
}

}  // namespace evhil::sim::alfen
