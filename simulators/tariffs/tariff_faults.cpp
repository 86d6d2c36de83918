#include "simulators/tariffs/tariff_faults.hpp"

#include <stdexcept>

#include "drivers/core/config.hpp"

namespace evhil::sim::tariffs {

TariffFault parse_tariff_fault(const std::string& text, TimePoint origin) {
    auto first = text.find(':');
    auto second = first == std::string::npos ? std::string::npos : text.find(':', first + 1);
    if (second == std::string::npos) {
        throw std::runtime_error("--fault wants KIND:START:DURATION, got '" + text + "'");
    }
    std::string kind = text.substr(0, first);
    std::optional<Duration> delay;
    if (auto equals = kind.find('='); equals != std::string::npos) {
        delay = parse_duration(kind.substr(equals + 1));
        kind = kind.substr(0, equals);
        if (kind != "slow" || !delay) {
            throw std::runtime_error("--fault '" + text + "': only slow takes a delay, as slow=5s");
        }
    }
    auto start = parse_duration(text.substr(first + 1, second - first - 1));
    auto length = parse_duration(text.substr(second + 1));
    if (!start || !length) {
        throw std::runtime_error("--fault '" + text + "': START and DURATION are durations such as 20s or 1m");
    }
    TariffFault fault{TariffFaultKind::outage, origin + *start, *length};
    if (kind == "drop") {
        fault.drop_connection = true;
    } else if (kind == "slow") {
        fault.kind = TariffFaultKind::slow;
        fault.delay = delay.value_or(fault.delay);
    } else if (kind == "malformed") {
        fault.kind = TariffFaultKind::malformed;
    } else if (kind != "outage") {
        throw std::runtime_error("--fault '" + text + "': the kinds are outage, drop, slow[=DELAY] and malformed");
    }
    return fault;
}

std::vector<TariffFault> TariffFaults::active(TimePoint now) const {
    std::vector<TariffFault> active;
    for (const auto& fault : faults_) {
        if (fault.start <= now && now < fault.start + fault.duration) {
            active.push_back(fault);
        }
    }
    return active;
}

void TariffFaults::apply(SimAnswer& answer, TimePoint now) const {
    const TariffFault* outage = nullptr;
    bool malformed = false;
    for (const auto& fault : faults_) {
        if (now < fault.start || now >= fault.start + fault.duration) {
            continue;
        }
        switch (fault.kind) {
            case TariffFaultKind::outage:
                outage = outage != nullptr && outage->drop_connection ? outage : &fault;
                break;
            case TariffFaultKind::slow:
                answer.delay += fault.delay;
                break;
            case TariffFaultKind::malformed:
                malformed = true;
                break;
        }
    }
    if (outage != nullptr) {
        answer.drop_connection = outage->drop_connection;
        answer.response = {503, "text/html", "<html><body><h1>503 Service Unavailable</h1></body></html>\n"};
    } else if (malformed) {
        // Half of a JSON document never parses: whatever opened it is not closed.
        std::string& body = answer.response.body;
        body = body.size() < 2 ? std::string("{\"data\": ") : body.substr(0, body.size() / 2);
        answer.response.status = 200;
        answer.response.content_type = "application/json";
    }
}

}  // namespace evhil::sim::tariffs
