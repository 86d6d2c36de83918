// One row per simulator that can run on its own.

#include "simulators/chargers/alfen/standalone.hpp"
#include "simulators/standalone_simulator.hpp"

namespace evhil::sim {

const std::vector<StandaloneSimulator>& standalone_simulators() {
    static const std::vector<StandaloneSimulator> simulators{
        alfen::standalone_simulator(),
    };
    return simulators;
}

}  // namespace evhil::sim
