#include "drivers/station/safety_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

namespace evhil::station {
namespace {

// Children before parents, so that one pass over the list settles every circuit after those below it.
std::vector<CircuitConfig> in_post_order(std::vector<CircuitConfig> circuits) {
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < circuits.size(); ++i) {
        if (circuits[i].name.empty() || !index.emplace(circuits[i].name, i).second) {
            throw std::invalid_argument("circuit names must be unique and not empty: '" + circuits[i].name + "'");
        }
    }
    std::vector<std::size_t> depth(circuits.size(), 0);
    for (std::size_t i = 0; i < circuits.size(); ++i) {
        std::size_t at = i;
        while (!circuits[at].parent.empty()) {
            auto parent = index.find(circuits[at].parent);
            if (parent == index.end()) {
                throw std::invalid_argument("circuit '" + circuits[at].name + "' has an unknown parent '" +
                                            circuits[at].parent + "'");
            }
            at = parent->second;
            if (++depth[i] > circuits.size()) {
                throw std::invalid_argument("circuit '" + circuits[i].name + "' is its own ancestor");
            }
        }
    }
    std::vector<std::size_t> order(circuits.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return depth[a] > depth[b]; });
    std::vector<CircuitConfig> sorted;
    sorted.reserve(order.size());
    for (auto i : order) {
        sorted.push_back(std::move(circuits[i]));
    }
    return sorted;
}

// The charger's own limits, lowest first wins; ties go to the earlier entry.
LimitedCommand own_limits(const LimiterInput& in) {
    const auto& l = in.limits;
    std::pair<double, Bound> candidates[] = {
        {l.cable_max_current_a, Bound::cable},
        {in.station_max_current_a > 0 ? in.station_max_current_a : unlimited, Bound::station},
        {in.vehicle_max_current_a > 0 ? in.vehicle_max_current_a : unlimited, Bound::vehicle},
        {l.configured_max_current_a, Bound::configured},
        {in.user_max_current_a, Bound::user},
        {l.bench_cap_a, Bound::bench},
    };
    LimitedCommand result;
    for (const auto& [limit, bound] : candidates) {
        if (limit < result.ceiling_a) {
            result.ceiling_a = limit;
            result.bound = bound;
        }
    }
    double want = std::abs(in.request_a);
    if (!in.enabled) {
        result.bound = Bound::disabled;
        result.current_a = 0;
    } else if (want <= result.ceiling_a) {
        result.bound = Bound::request;
        result.current_a = want;
    } else {
        result.current_a = result.ceiling_a;
    }
    return result;
}

// Max-min fair shares of `budget` for `demands`: nobody gets more than asked, the rest is split evenly.
std::vector<double> water_fill(const std::vector<double>& demands, double budget) {
    std::vector<std::size_t> order(demands.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return demands[a] < demands[b]; });
    std::vector<double> shares(demands.size(), 0.0);
    budget = std::max(budget, 0.0);
    std::size_t left = demands.size();
    for (auto i : order) {
        double share = std::min(demands[i], budget / static_cast<double>(left));
        shares[i] = share;
        budget -= share;
        --left;
    }
    return shares;
}

}  // namespace

const char* to_string(Bound bound) {
    switch (bound) {
        case Bound::request:
            return "request";
        case Bound::disabled:
            return "disabled";
        case Bound::cable:
            return "cable";
        case Bound::station:
            return "station";
        case Bound::vehicle:
            return "vehicle";
        case Bound::configured:
            return "configured";
        case Bound::user:
            return "user";
        case Bound::bench:
            return "bench";
        case Bound::circuit:
            return "circuit";
        case Bound::below_minimum:
            return "below_minimum";
    }
    return "unknown";
}

// Below the minimum on its own limits alone (e.g. a 5 A cable) nothing can be offered; a discharge keeps its sign.
std::vector<LimitedCommand> SafetyLimiter::finish(std::vector<LimitedCommand> out,
                                                  const std::vector<LimiterInput>& chargers) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].current_a > 1e-9 && out[i].current_a < chargers[i].limits.min_current_a - 1e-9) {
            out[i].current_a = 0;
            out[i].bound = Bound::below_minimum;
        }
        if (chargers[i].request_a < 0) {
            out[i].current_a = -out[i].current_a;
        }
    }
    return out;
}

SafetyLimiter::SafetyLimiter(std::vector<CircuitConfig> circuits) : circuits_(in_post_order(std::move(circuits))) {}

std::vector<std::size_t> SafetyLimiter::path_of(const std::string& circuit) const {
    std::vector<std::size_t> path;
    std::string at = circuit;
    while (!at.empty()) {
        auto found = std::find_if(circuits_.begin(), circuits_.end(), [&](const auto& c) { return c.name == at; });
        if (found == circuits_.end()) {
            break;
        }
        path.push_back(static_cast<std::size_t>(found - circuits_.begin()));
        at = found->parent;
    }
    return path;
}

std::vector<LimitedCommand> SafetyLimiter::apply(const std::vector<LimiterInput>& chargers) const {
    const std::size_t n = chargers.size();
    std::vector<LimitedCommand> out(n);
    std::vector<std::vector<std::size_t>> paths(n);
    // What each circuit has left: its maximum, less what unreachable chargers may draw on their own.
    std::vector<double> remaining(circuits_.size());
    for (std::size_t c = 0; c < circuits_.size(); ++c) {
        remaining[c] = circuits_[c].max_current_a;
    }
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = own_limits(chargers[i]);
        paths[i] = path_of(chargers[i].limits.circuit);
        if (!chargers[i].reachable && !chargers[i].never_reached && !paths[i].empty()) {
            double may_draw = std::max(std::abs(chargers[i].last_command_a), chargers[i].fallback_current_a);
            for (auto c : paths[i]) {
                remaining[c] -= may_draw;
            }
            // It will be sent on reconnect, when the next cycle recomputes it; until then it never claims more
            // than it was counted at.
            if (out[i].current_a > may_draw) {
                out[i].current_a = may_draw;
                out[i].bound = Bound::circuit;
            }
        }
    }
    // Serves one tier: the circuits, children first, cut their chargers' demands to fair shares of what is left.
    auto serve = [&](const std::vector<std::size_t>& tier) {
        std::vector<bool> dropped(n, false);
        for (;;) {
            std::vector<double> demand(n, 0.0);
            for (auto i : tier) {
                demand[i] = dropped[i] ? 0.0 : out[i].current_a;
            }
            std::vector<std::string> bound_by(n);
            for (std::size_t c = 0; c < circuits_.size(); ++c) {
                std::vector<std::size_t> members;
                for (auto i : tier) {
                    if (std::find(paths[i].begin(), paths[i].end(), c) != paths[i].end()) {
                        members.push_back(i);
                    }
                }
                std::vector<double> asked;
                asked.reserve(members.size());
                for (auto i : members) {
                    asked.push_back(demand[i]);
                }
                auto shares = water_fill(asked, remaining[c]);
                for (std::size_t k = 0; k < members.size(); ++k) {
                    if (shares[k] < demand[members[k]] - 1e-9) {
                        demand[members[k]] = shares[k];
                        bound_by[members[k]] = circuits_[c].name;
                    }
                }
            }
            // A share below a charger's minimum cannot be offered. Drop the last such charger and share again, so
            // that two chargers get a usable current rather than three an unusable one.
            std::optional<std::size_t> too_small;
            for (auto i : tier) {
                if (!dropped[i] && demand[i] > 1e-9 && demand[i] < chargers[i].limits.min_current_a - 1e-9) {
                    too_small = i;
                }
            }
            if (too_small) {
                dropped[*too_small] = true;
                continue;
            }
            for (auto i : tier) {
                if (dropped[i]) {
                    out[i].current_a = 0;
                    out[i].bound = Bound::below_minimum;
                } else if (!bound_by[i].empty()) {
                    out[i].current_a = demand[i];
                    out[i].bound = Bound::circuit;
                    out[i].circuit = bound_by[i];
                }
                for (auto c : paths[i]) {
                    remaining[c] -= out[i].current_a;
                }
            }
            return;
        }
    };
    if (circuits_.empty()) {
        return finish(std::move(out), chargers);  // nothing to share: each charger's own limits are the answer
    }
    std::vector<std::size_t> active;
    std::vector<std::size_t> idle;
    std::vector<std::size_t> empty;
    for (std::size_t i = 0; i < n; ++i) {
        if (chargers[i].never_reached) {
            active.push_back(i);  // its share is kept until it is connected and says what its vehicle does
        } else if (chargers[i].reachable) {
            auto& tier = !chargers[i].vehicle_present ? empty : chargers[i].vehicle_active ? active : idle;
            tier.push_back(i);
        }
    }
    serve(active);
    serve(idle);
    serve(empty);
    return finish(std::move(out), chargers);
}

}  // namespace evhil::station
