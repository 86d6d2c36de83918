#include "harness/report.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace evhil::harness {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, std::string_view reason) {
    throw std::runtime_error(fmt::format("cannot write report {}: {}", path.string(), reason));
}

// The temporary lives next to the target so the rename stays within one file system and is atomic; the pid keeps
// two runs sharing an output directory from writing into each other's temporary.
void replace_file(const fs::path& target, const std::string& content) {
    fs::path temporary = target;
    temporary.replace_filename(fmt::format(".{}.tmp.{}", target.filename().string(), ::getpid()));

    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail(target, std::strerror(errno));
    }
    auto abandon = [&](int error) {
        ::close(fd);
        ::unlink(temporary.c_str());
        fail(target, std::strerror(error));
    };
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            abandon(errno);
        }
        written += static_cast<std::size_t>(n);
    }
    // Without the sync a power cut after the rename can leave an empty file under the final name.
    if (::fsync(fd) != 0) {
        abandon(errno);
    }
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        fail(target, std::strerror(error));
    }
    std::error_code ec;
    fs::rename(temporary, target, ec);
    if (ec) {
        ::unlink(temporary.c_str());
        fail(target, ec.message());
    }
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
