#pragma once
// The station's Venus output: an evcharger service for every charger, kept on a VenusBus. Used by evchargerd on the
// real bus and by the harness on the in-process one, so both run this same code.
//
// It connects, claims each charger's VRM instance from com.victronenergy.settings, publishes every service (the objects
// first, the names last), and stays there. When the connection drops, or a name is taken by another connection, or the
// bus is not there yet, it says so in one log line and tries again after an exponential back-off with seeded jitter,
// re-registering every name and republishing every value: nothing in the station is lost in between, since the services
// read it from the station.
//
// Covered by tests/unit/venus_output_test.cpp and evchargerd's tests (tests/cli/evchargerd_venus_test.sh).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "drivers/core/backoff.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/venus/evcharger_service.hpp"
#include "drivers/venus/venus_bus.hpp"

namespace evhil::venus {

inline constexpr const char* settings_service = "com.victronenergy.settings";

class VenusOutput {
public:
    VenusOutput(Executor& executor, VenusBus& bus, station::Station& station,
                const std::vector<std::pair<std::string, EvchargerSettings>>& chargers,
                const std::string& process_version, Rng rng, BackoffSettings backoff = {});
    ~VenusOutput();
    VenusOutput(const VenusOutput&) = delete;
    VenusOutput& operator=(const VenusOutput&) = delete;

    void start();
    // Withdraws every service and closes the connection.
    void stop();
    // Every service is on the bus under its name.
    bool published() const { return published_; }
    std::uint64_t attempts() const { return attempts_; }
    const std::vector<std::unique_ptr<EvchargerService>>& services() const { return services_; }

private:
    void attempt();
    void claim_instances();
    static void apply_claim(EvchargerService& service, const SettingResult& result);
    void publish_all();
    void retry(const std::string& reason);

    Executor& executor_;
    VenusBus& bus_;
    std::vector<std::unique_ptr<EvchargerService>> services_;
    Backoff backoff_;
    bool running_ = false;
    bool published_ = false;
    bool warned_no_settings_ = false;
    std::uint64_t attempts_ = 0;
    std::optional<Executor::TimerId> retry_timer_;
    std::shared_ptr<int> generation_ = std::make_shared<int>(0);  // callbacks of an abandoned attempt do nothing
};

}  // namespace evhil::venus
