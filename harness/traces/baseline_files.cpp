// Baseline files: reading them (POSIX, so every failure has an errno to report) and writing them atomically.

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "drivers/core/atomic_file.hpp"
#include "harness/traces/baseline.hpp"

namespace evhil::harness {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const char* verb, const fs::path& path, const std::string& reason) {
    throw std::runtime_error(fmt::format("cannot {} {}: {}", verb, path.string(), reason));
}

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

// Owns a POSIX descriptor; POSIX rather than iostreams so every failure has an errno to report, and so the
// temporary file can be fsync'ed before it replaces the baseline.
class Descriptor {
public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }
    // Closes now so the caller sees the error: on some file systems a failed write only shows at close.
    int close() { return ::close(std::exchange(fd_, -1)); }

private:
    int fd_;
};

std::optional<std::string> read_whole_file(const fs::path& path) {
    Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        fail("read", path, errno_text(errno));
    }
    std::string content;
    std::array<char, 65536> buffer{};
    for (;;) {
        const ssize_t got = ::read(file.get(), buffer.data(), buffer.size());
        if (got == 0) {
            return content;
        }
        if (got < 0 && errno != EINTR) {
            fail("read", path, errno_text(errno));
        }
        if (got > 0) {
            content.append(buffer.data(), static_cast<std::size_t>(got));
        }
    }
}

std::string join_lines(const fs::path& path, const std::vector<std::string>& lines) {
    std::string content;
    for (std::size_t index = 0; index < lines.size(); ++index) {
        if (lines[index].find('\n') != std::string::npos) {
            fail("write", path, fmt::format("line {} contains a line break", index + 1));
        }
        content += lines[index];
        content += '\n';
    }
    return content;
}

// Scenario and device names come from YAML; anything that could leave the directory becomes '_'.
std::string file_name_part(const std::string& name) {
    std::string out = name.empty() ? "_" : name;
    std::replace_if(
        out.begin(), out.end(),
        [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return std::isalnum(byte) == 0 && c != '-' && c != '_' && c != '.';
        },
        '_');
    return out;
}

}  // namespace

std::filesystem::path baseline_path(const std::filesystem::path& directory, const std::string& scenario,
                                    const std::string& device) {
    return directory / (file_name_part(scenario) + "." + file_name_part(device) + ".baseline");
}

std::optional<std::vector<std::string>> read_baseline(const std::filesystem::path& path) {
    const auto content = read_whole_file(path);
    if (!content) {
        return std::nullopt;
    }
    std::vector<std::string> lines;
    std::size_t begin = 0;
    for (auto end = content->find('\n'); end != std::string::npos; end = content->find('\n', begin)) {
        lines.emplace_back(*content, begin, end - begin);
        begin = end + 1;
    }
    // What follows the last line break is a last line without its newline; nothing there is the usual end.
    if (begin < content->size()) {
        lines.emplace_back(*content, begin);
    }
    return lines;
}

void write_baseline(const std::filesystem::path& path, const std::vector<std::string>& lines) {
    const std::string content = join_lines(path, lines);
    std::error_code error;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), error);
        if (error) {
            fail("write", path, error.message());
        }
    }
    write_file_atomically(path, content);
}

}  // namespace evhil::harness
