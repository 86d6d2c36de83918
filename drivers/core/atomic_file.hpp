#pragma once
// One way to write a file that must never be seen half written: the daemon's state file, reports, baselines,
// traces. The content goes to a temporary next to the target (same file system), is synced, renamed over the
// target, and the folder is synced so that the rename itself survives a power cut. A crash at any moment leaves
// the old file or the new one, never a broken one.

#include <filesystem>
#include <string_view>

namespace evhil {

// Throws std::runtime_error("cannot write PATH: reason"); the old file is then untouched.
void write_file_atomically(const std::filesystem::path& target, std::string_view content);

}  // namespace evhil
