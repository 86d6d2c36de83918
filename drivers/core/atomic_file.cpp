#include "drivers/core/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace evhil {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& target, const std::string& reason) {
    throw std::runtime_error(fmt::format("cannot write {}: {}", target.string(), reason));
}

void write_all(int fd, std::string_view content) {
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category());
        }
        written += static_cast<std::size_t>(n);
    }
}

}  // namespace

void write_file_atomically(const fs::path& target, std::string_view content) {
    // The pid keeps two processes sharing a folder from writing into each other's temporary.
    fs::path temporary = target;
    temporary.replace_filename(fmt::format(".{}.tmp.{}", target.filename().string(), ::getpid()));
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail(target, std::strerror(errno));
    }
    try {
        write_all(fd, content);
        // Without the sync a power cut after the rename can leave an empty file under the final name.
        if (::fsync(fd) != 0) {
            throw std::system_error(errno, std::generic_category());
        }
    } catch (const std::system_error& error) {
        ::close(fd);
        ::unlink(temporary.c_str());
        fail(target, error.code().message());
    }
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        fail(target, std::strerror(error));
    }
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        fail(target, std::strerror(error));
    }
    // The rename is only durable once the folder's entry is on disk.
    auto folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
}

}  // namespace evhil
