#pragma once
// What the price client and price feed tests share (price_clients_test.cpp, price_feed_test.cpp): an HttpPort that
// calls a price API simulator on a virtual clock, a fetch that checks Done is called once, and a Tibber and an Octopus
// rig.

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drivers/core/executor.hpp"
#include "drivers/prices/octopus_prices.hpp"
#include "drivers/prices/price_api.hpp"
#include "drivers/prices/tibber_prices.hpp"
#include "simulators/tariffs/octopus_api.hpp"
#include "simulators/tariffs/tibber_api.hpp"

namespace evhil::prices::price_test {

using namespace std::chrono_literals;
using sim::tariffs::SimAnswer;

inline TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return TimePoint(std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute));
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A simulator behind an HttpPort, as the sim target wires one but without a timeout (no test here is slow): the
// answer comes back on the executor `delay` later, never inline as the HttpPort contract says, and a dropped
// connection is an error without an answer. It records what was asked and when, for the paging and back-off checks.
class SimulatorPort final : public http::HttpPort {
public:
    using Handler = std::function<SimAnswer(const http::HttpRequest&, TimePoint)>;
    SimulatorPort(Executor& executor, Handler handler) : executor_(executor), handler_(std::move(handler)) {}

    void request(http::HttpRequest request, Done done) override {
        targets.push_back(request.target);
        times.push_back(executor_.now());
        SimAnswer answer = handler_(request, executor_.now());
        executor_.schedule_after(answer.delay, [done = std::move(done), answer = std::move(answer)] {
            if (answer.drop_connection) {
                done("the connection closed without an answer", {});
            } else {
                done(std::nullopt, answer.response);
            }
        });
    }

    std::vector<std::string> targets;  // each request's path and query, in the order sent
    std::vector<TimePoint> times;      // when each was sent

private:
    Executor& executor_;
    Handler handler_;
};

struct Outcome {
    int answers = 0;
    std::optional<control::PriceSeries> prices;
    std::string error;
};

// One fetch, run to its end on the virtual clock.
inline Outcome fetch_prices(PriceApi& api, http::HttpPort& port, Executor& executor) {
    Outcome outcome;
    api.fetch(port, executor.now(), [&outcome](std::optional<control::PriceSeries> prices, std::string error) {
        ++outcome.answers;
        outcome.prices = std::move(prices);
        outcome.error = std::move(error);
    });
    // The answer must come through the executor: one delivered inline would re-enter the feed while it is still
    // sending.
    EXPECT_EQ(outcome.answers, 0);
    executor.run_for(1min);
    EXPECT_EQ(outcome.answers, 1) << "Done must be called exactly once";
    EXPECT_NE(outcome.prices.has_value(), !outcome.error.empty()) << "exactly one of prices and error";
    return outcome;
}

// Scripted hourly totals, the same every day: cheap at night and at midday, dear in the evening, so that a day's
// levels span the whole scale (the average is 0.2492).
inline const std::vector<double> berlin_totals = {0.20, 0.19, 0.18, 0.18, 0.19, 0.22, 0.28, 0.34,
                                                  0.36, 0.30, 0.24, 0.18, 0.12, 0.10, 0.14, 0.20,
                                                  0.26, 0.34, 0.40, 0.42, 0.36, 0.30, 0.26, 0.22};

// 12:59 and 13:00 in Berlin (summer time, UTC+2): either side of the simulator's publication hour.
inline const TimePoint berlin_before = utc(2026, 6, 21, 10, 59);
inline const TimePoint berlin_after = utc(2026, 6, 21, 11, 0);
inline const TimePoint berlin_midnight = utc(2026, 6, 20, 22);

inline sim::tariffs::TibberSettings tibber_settings() {
    sim::tariffs::TibberSettings settings;
    settings.prices.timezone = "Europe/Berlin";
    settings.prices.hourly_totals = berlin_totals;
    return settings;
}

inline TibberClientSettings tibber_client(const std::string& token = "evhil-tibber-token") {
    TibberClientSettings settings;
    settings.token = token;
    return settings;
}

struct TibberRig {
    explicit TibberRig(TimePoint start)
        : clock(start),
          executor(clock),
          api(tibber_settings()),
          port(executor, [this](const http::HttpRequest& request, TimePoint now) { return api.handle(request, now); }) {
    }
    VirtualClock clock;
    Executor executor;
    sim::tariffs::TibberApi api;
    SimulatorPort port;
};

// 15:59 and 16:00 in London (summer time, UTC+1): either side of the simulator's publication hour.
inline const TimePoint london_before = utc(2026, 6, 21, 14, 59);
inline const TimePoint london_after = utc(2026, 6, 21, 15, 0);
inline const TimePoint london_midnight = utc(2026, 6, 20, 23);

// The client sends no page_size, so the server's default applies: at 20 a page a day's 48 half-hours take three pages
// and two days' 96 take five, and the client has to follow `next`.
inline sim::tariffs::OctopusSettings octopus_settings() {
    sim::tariffs::OctopusSettings settings;
    settings.default_page_size = 20;
    return settings;
}

struct OctopusRig {
    explicit OctopusRig(TimePoint start)
        : clock(start),
          executor(clock),
          api(octopus_settings()),
          port(executor, [this](const http::HttpRequest& request, TimePoint now) { return api.handle(request, now); }) {
    }
    VirtualClock clock;
    Executor executor;
    sim::tariffs::OctopusApi api;
    SimulatorPort port;
};

}  // namespace evhil::prices::price_test
