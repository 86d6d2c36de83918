#pragma once
// `evhil sim tibber` and `evhil sim octopus`: the price API simulators over HTTPS, each a process of its own.
//
//   evhil sim tibber [--port 0] [--token T] [--seed N] [--resolution 60|15] [--timezone Europe/Berlin]
//                    [--publish-hour 13] [--fault KIND:START:DURATION]... [--cert-dir DIR]
//   evhil sim octopus [--port 0] [--product AGILE-24-10-01] [--tariff E-1R-AGILE-24-10-01-C] [--seed N]
//                     [--publish-hour 16] [--fault KIND:START:DURATION]... [--cert-dir DIR]
//
// Each serves on 127.0.0.1 (port 0: a free one) with a certificate of a throw-away test CA, made in --cert-dir (kept)
// or in a temporary folder (removed at exit), and prints once it listens
//
//   tibber api on https://127.0.0.1:PORT/v1-beta/gql ca CAFILE token T
//   octopus api on https://127.0.0.1:PORT/v1/products/P/electricity-tariffs/T/standard-unit-rates/ ca CAFILE
//
// so that a client (curl --cacert CAFILE) verifies the server as it would the real one. --fault outage:20:15 answers
// 503 from 20 s after start for 15 s; the kinds are outage, drop, slow[=DELAY] and malformed (tariff_faults.hpp).
// Runs until SIGINT or SIGTERM.
//
// Covered by tests/cli/sim_tariffs_test.sh.

#include "simulators/standalone_simulator.hpp"

namespace evhil::sim::tariffs {

StandaloneSimulator tibber_standalone_simulator();
StandaloneSimulator octopus_standalone_simulator();

}  // namespace evhil::sim::tariffs
