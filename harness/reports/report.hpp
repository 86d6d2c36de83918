#pragma once
// Report writers for a scenario run. results.json is the machine-readable verdict and must be byte-identical
// for identical input, so it never carries wall-clock figures; junit.xml feeds CI; index.html is for people.

#include <filesystem>
#include <ostream>

#include "harness/recording/result.hpp"

namespace evhil::harness {

void write_results_json(const RunResult& run, std::ostream& out);
void write_junit_xml(const RunResult& run, std::ostream& out);
void write_html_report(const RunResult& run, std::ostream& out);

// "traces/<scenario>.trace": where a device's protocol trace goes, relative to the report folder. A
// scenario with several devices gets "<scenario>.<device>.trace".
std::string trace_file_name(const ProtocolTrace& trace, const std::string& extension, bool several_devices);

// Creates out_dir and writes results.json, junit.xml and index.html into it, and the protocol traces of wire
// and bench runs under out_dir/traces. Each file is rendered in
// memory, written to a temporary name in out_dir, synced and renamed into place, so readers never see a
// half-written report. Throws std::runtime_error naming the path on failure.
void write_reports(const RunResult& run, const std::filesystem::path& out_dir);

}  // namespace evhil::harness
