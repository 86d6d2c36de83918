#include "harness/reports/report.hpp"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>
#include <string_view>

#include "drivers/core/atomic_file.hpp"

namespace evhil::harness {
namespace {

namespace fs = std::filesystem;

void replace_file(const fs::path& target, const std::string& content) {
    write_file_atomically(target, content);
}

template <typename Writer>
std::string render(const RunResult& run, Writer writer) {
    std::ostringstream out;
    writer(run, out);
    return std::move(out).str();
}

}  // namespace

std::string trace_file_name(const ProtocolTrace& trace, const std::string& extension, bool several_devices) {
    std::string stem = several_devices ? trace.scenario + "." + trace.device : trace.scenario;
    return "traces/" + stem + extension;
}

void write_reports(const RunResult& run, const fs::path& out_dir) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) {
        throw std::runtime_error(fmt::format("cannot create report directory {}: {}", out_dir.string(), ec.message()));
    }
    // Rendering everything before touching the disk means a writer that throws leaves the old reports intact.
    const std::string json = render(run, write_results_json);
    const std::string junit = render(run, write_junit_xml);
    const std::string html = render(run, write_html_report);
    replace_file(out_dir / "results.json", json);
    replace_file(out_dir / "junit.xml", junit);
    replace_file(out_dir / "index.html", html);
    for (const auto& scenario : run.scenarios) {
        bool several = scenario.traces.size() > 1;
        for (const auto& trace : scenario.traces) {
            write_text_trace(trace, out_dir / trace_file_name(trace, ".trace", several));
            write_pcapng(trace, out_dir / trace_file_name(trace, ".pcapng", several));
        }
    }
}

}  // namespace evhil::harness
