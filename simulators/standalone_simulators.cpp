// One row per simulator that can run on its own.

#include "simulators/chargers/alfen/standalone.hpp"
#include "simulators/chargers/mqtt_json/standalone.hpp"
#include "simulators/standalone_simulator.hpp"
#include "simulators/tariffs/standalone.hpp"
#include "simulators/victron/standalone.hpp"

namespace evhil::sim {

const std::vector<StandaloneSimulator>& standalone_simulators() {
    static const std::vector<StandaloneSimulator> simulators{
        alfen::standalone_simulator(),
        mqtt_json::standalone_simulator(),
        victron::standalone_simulator(),
        // The price APIs that price-driven charging reads.
        tariffs::tibber_standalone_simulator(),
        tariffs::octopus_standalone_simulator(),
    };
    return simulators;
}

}  // namespace evhil::sim
