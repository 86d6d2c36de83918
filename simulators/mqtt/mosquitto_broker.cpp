#include "simulators/mqtt/mosquitto_broker.hpp"

#include "simulators/mqtt/venus_broker_security.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace evhil::sim::mqtt {
namespace {

// Runs a helper program (openssl, mosquitto_passwd) to its end with its output in `log`; throws if it fails.
void run_tool(std::vector<std::string> args, const std::string& log) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = -1;
    int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        throw std::runtime_error("cannot run " + args[0] + " (is its package installed? ci/setup.sh installs it)");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream said(log);
        throw std::runtime_error(args[0] + " failed: " +
                                 std::string((std::istreambuf_iterator<char>(said)), std::istreambuf_iterator<char>()));
    }
}

// A port nothing listens on now. The broker binds it a moment later; launch() retries with a new one if another
// process took it in between.
int free_loopback_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        throw std::runtime_error("cannot find a free loopback port");
    }
    int port = ntohs(address.sin_port);
    close(fd);
    return port;
}

std::uintmax_t file_size(const std::string& path) {
    std::error_code absent;
    std::uintmax_t size = std::filesystem::file_size(path, absent);
    return absent ? 0 : size;
}

// Mosquitto logs "mosquitto version X running" once every listener is open.
bool logged_running_since(const std::string& path, std::uintmax_t offset) {
    std::ifstream file(path);
    file.seekg(static_cast<std::streamoff>(offset));
    std::string line;
    while (std::getline(file, line)) {
        if (line.find(" running") != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string current_user() {
    const passwd* entry = getpwuid(geteuid());
    return entry != nullptr ? entry->pw_name : "root";
}

}  // namespace

TestCertificates make_test_certificates(const std::string& folder) {
    TestCertificates made{folder + "/ca.pem", folder + "/server.pem", folder + "/server.key", folder + "/other-ca.pem"};
    std::string log = folder + "/openssl.log";
    auto make_ca = [&](const std::string& key, const std::string& cert, const std::string& name) {
        run_tool({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + name},
                 log);
    };
    make_ca(folder + "/ca.key", made.ca_file, "evhil test CA");
    make_ca(folder + "/other-ca.key", made.other_ca_file, "evhil other test CA");
    std::string csr = folder + "/server.csr";
    run_tool({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
              made.server_key_file, "-out", csr, "-subj", "/CN=localhost"},
             log);
    std::string extensions = folder + "/server.ext";
    std::ofstream(extensions) << "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n";
    run_tool({"openssl", "x509", "-req", "-in", csr, "-CA", made.ca_file, "-CAkey", folder + "/ca.key",
              "-CAcreateserial", "-out", made.server_cert_file, "-days", "2", "-extfile", extensions},
             log);
    return made;
}

MosquittoBroker::MosquittoBroker(MosquittoOptions options) : options_(std::move(options)) {
    std::string pattern = (std::filesystem::temp_directory_path() / "evhil-mqtt-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a folder for the broker");
    }
    folder_ = pattern;
    try {
        if (options_.tls) {
            certificates_ = make_test_certificates(folder_);
        }
        if (!options_.users.empty()) {
            std::string passwords = folder_ + "/passwords";
            std::ofstream(passwords).flush();
            for (const auto& [user, password] : options_.users) {
                run_tool({"mosquitto_passwd", "-b", passwords, user, password}, folder_ + "/passwd.log");
            }
        }
        if (!options_.acl.empty()) {
            std::ofstream(folder_ + "/acl") << options_.acl;
        }
        if (!options_.dynamic_security.empty()) {
            if (dynamic_security_plugin_path().empty()) {
                throw std::runtime_error(
                    "Mosquitto's dynamic security plugin (mosquitto_dynamic_security.so, in the "
                    "mosquitto package) is not installed");
            }
            std::ofstream(folder_ + "/dynamic-security.json") << options_.dynamic_security;
        }
        for (int attempt = 0; attempt < 5; ++attempt) {
            port_ = free_loopback_port();
            tls_port_ = options_.tls ? free_loopback_port() : 0;
            if (launch()) {
                return;
            }
        }
    } catch (...) {
        stop();
        std::filesystem::remove_all(folder_);
        throw;
    }
    std::string said = log();
    stop();
    std::filesystem::remove_all(folder_);
    throw std::runtime_error("mosquitto did not start: " + (said.empty() ? std::string("it said nothing") : said));
}

MosquittoBroker::~MosquittoBroker() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
}

void MosquittoBroker::write_config() const {
    std::ofstream conf(folder_ + "/mosquitto.conf");
    conf << "# generated by evhil\n"
         << "persistence false\n"
         // Started as root, mosquitto would switch to the user 'mosquitto', who cannot read this folder: stay whoever
         // started it.
         << "user " << current_user() << "\n"
         << "log_dest file " << folder_ << "/mosquitto.log\n"
         << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
         << "connection_messages true\n"
         << "per_listener_settings false\n"
         << "allow_anonymous " << (options_.users.empty() ? "true" : "false") << "\n";
    if (!options_.users.empty()) {
        conf << "password_file " << folder_ << "/passwords\n";
    }
    if (!options_.acl.empty()) {
        conf << "acl_file " << folder_ << "/acl\n";
    }
    if (!options_.dynamic_security.empty()) {
        conf << "plugin " << dynamic_security_plugin_path() << "\n"
             << "plugin_opt_config_file " << folder_ << "/dynamic-security.json\n";
    }
    conf << "listener " << port_ << " 127.0.0.1\n";
    if (options_.tls) {
        conf << "listener " << tls_port_ << " 127.0.0.1\n"
             << "cafile " << certificates_.ca_file << "\n"
             << "certfile " << certificates_.server_cert_file << "\n"
             << "keyfile " << certificates_.server_key_file << "\n";
    }
}

bool MosquittoBroker::launch() {
    write_config();
    std::string broker_log = folder_ + "/mosquitto.log";
    std::uintmax_t logged_before = file_size(broker_log);
    std::string config = folder_ + "/mosquitto.conf";
    std::vector<char*> argv{const_cast<char*>("mosquitto"), const_cast<char*>("-c"), config.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string early_log = folder_ + "/stderr.log";
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, early_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    // Nothing else of ours: an inherited listening socket would outlive us in the broker.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // Debian installs mosquitto in /usr/sbin, which a plain user's PATH may lack.
    int spawned = posix_spawn(&pid_, "/usr/sbin/mosquitto", &actions, nullptr, argv.data(), environ);
    if (spawned != 0) {
        spawned = posix_spawnp(&pid_, "mosquitto", &actions, nullptr, argv.data(), environ);
    }
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        pid_ = -1;
        throw std::runtime_error(
            "cannot start mosquitto (is the mosquitto package installed? ci/setup.sh installs it)");
    }
    // Ready when it says it runs; a bounded wait (10 s in 20 ms steps) for a process we just started, ended early if
    // it exits (a port someone took meanwhile).
    for (int step = 0; step < 500; ++step) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        if (logged_running_since(broker_log, logged_before)) {
            return true;
        }
        poll(nullptr, 0, 20);
    }
    std::string said = log();
    stop();
    throw std::runtime_error("mosquitto did not say it runs within 10 s: " + said);
}

void MosquittoBroker::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

void MosquittoBroker::start() {
    if (pid_ > 0) {
        return;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (launch()) {
            return;
        }
    }
    throw std::runtime_error("mosquitto did not start again on port " + std::to_string(port_) + ": " + log());
}

std::string MosquittoBroker::log() const {
    std::string text;
    for (const char* name : {"/stderr.log", "/mosquitto.log"}) {
        std::ifstream file(folder_ + name);
        text += std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    }
    return text;
}

}  // namespace evhil::sim::mqtt
