#pragma once
// What a price API simulator answers (SimAnswer), and the faults both simulators share, each active over a time range
// [start, start + duration) on the simulator's clock:
//  - outage: 503 Service Unavailable (an HTML page, as a load balancer in front of a dead service sends), or with
//    drop_connection the connection closes without an answer;
//  - slow: the answer leaves `delay` late;
//  - malformed: status 200 with the answer's JSON cut in half.
// An outage takes precedence over malformed; slow delays whatever is answered. A scenario harness switches faults at
// run time with add() and clear(); `evhil sim tibber|octopus --fault KIND:START:DURATION` schedules them at start.
//
// Covered by tests/unit/tibber_api_test.cpp, tests/unit/octopus_api_test.cpp and tests/cli/sim_tariffs_test.sh.

#include <optional>
#include <string>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/transport/http/http_types.hpp"

namespace evhil::sim::tariffs {

struct SimAnswer {
    http::HttpResponse response;
    Duration delay{};
    bool drop_connection = false;  // close the connection instead of answering
};

enum class TariffFaultKind { outage, slow, malformed };

struct TariffFault {
    TariffFaultKind kind = TariffFaultKind::outage;
    TimePoint start;
    Duration duration{};
    bool drop_connection = false;               // outage: close the connection rather than answer 503
    Duration delay = std::chrono::seconds(10);  // slow
};

// "KIND[=DELAY]:START:DURATION", the durations as in the YAML ("20", "20s", "1m") and START counted from `origin`.
// The kinds are outage, drop (an outage that closes the connection), slow (slow=5s: answers 5 s late; 10 s without a
// delay) and malformed. Throws std::runtime_error with the reason.
TariffFault parse_tariff_fault(const std::string& text, TimePoint origin);

class TariffFaults {
public:
    void add(const TariffFault& fault) { faults_.push_back(fault); }
    void clear() { faults_.clear(); }
    const std::vector<TariffFault>& all() const { return faults_; }
    // The faults active at `now`.
    std::vector<TariffFault> active(TimePoint now) const;
    // Changes an answer as the faults active at `now` have it.
    void apply(SimAnswer& answer, TimePoint now) const;

private:
    std::vector<TariffFault> faults_;
};

}  // namespace evhil::sim::tariffs
