// Vault-style "file" storage: one file per key, crash-safe writes (write a
// temporary file, fsync, rename, fsync the folder). Written on POSIX calls
// rather than std::filesystem because std::filesystem has no fsync.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "runtime/crypto.h"
#include "runtime/storage.h"

namespace polcheck::runtime {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

UnexpectedError IoError(const std::string& what, const std::string& path) {
  return Unexpected(Error::Code::kIo, "storage " + what + " " + path + ": " + std::strerror(errno));
}

Expected<void> SyncDirectory(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return IoError("fsync", dir);
  }
  return {};
}

class FileStorage final : public Storage {
 public:
  explicit FileStorage(std::string root) : root_(std::move(root)) {}

  Expected<std::optional<std::string>> Get(std::string_view key) override {
    Expected<std::string> file = FilePath(key);
    if (!file) {
      return Unexpected(file.error());
    }
    std::lock_guard lock(mu_);
    Fd fd(::open(file->c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return std::optional<std::string>();
      }
      return IoError("read", *file);
    }
    std::string out;
    char buffer[16384];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return IoError("read", *file);
      }
      if (n == 0) {
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return std::optional<std::string>(std::move(out));
  }

  Expected<void> Put(std::string_view key, std::string_view value) override {
    Expected<std::string> file = FilePath(key);
    if (!file) {
      return Unexpected(file.error());
    }
    const std::string dir = file->substr(0, file->rfind('/'));
    std::lock_guard lock(mu_);
    if (Expected<void> made = MakeDirectories(dir); !made) {
      return made;
    }
    const std::string temp = dir + "/.tmp-" + crypto::RandomBase62(12);
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      return IoError("write", temp);
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        ::unlink(temp.c_str());
        return IoError("write", temp);
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
      ::unlink(temp.c_str());
      return IoError("fsync", temp);
    }
    if (::rename(temp.c_str(), file->c_str()) != 0) {
      ::unlink(temp.c_str());
      return IoError("rename", *file);
    }
    return SyncDirectory(dir);
  }

  Expected<void> Delete(std::string_view key) override {
    Expected<std::string> file = FilePath(key);
    if (!file) {
      return Unexpected(file.error());
    }
    std::lock_guard lock(mu_);
    if (::unlink(file->c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return {};
      }
      return IoError("delete", *file);
    }
    std::string dir = file->substr(0, file->rfind('/'));
    if (Expected<void> synced = SyncDirectory(dir); !synced) {
      return synced;
    }
    // Empty folders go, so List never shows a folder without keys.
    while (dir.size() > root_.size() && ::rmdir(dir.c_str()) == 0) {
      dir.resize(dir.rfind('/'));
    }
    return {};
  }

  Expected<std::vector<std::string>> List(std::string_view prefix) override {
    if (!prefix.empty() && !prefix.ends_with('/')) {
      return Unexpected(Error::Code::kInvalidArgument, "storage list prefix must end in '/'");
    }
    std::string dir = root_;
    if (!prefix.empty()) {
      Expected<std::string> folder = FolderPath(prefix.substr(0, prefix.size() - 1));
      if (!folder) {
        return Unexpected(folder.error());
      }
      dir = *folder;
    }
    std::lock_guard lock(mu_);
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return std::vector<std::string>();
      }
      return IoError("list", dir);
    }
    std::vector<std::string> out;
    while (const dirent* entry = ::readdir(handle)) {
      const std::string_view name = entry->d_name;
      if (name == "." || name == ".." || name.starts_with(".tmp-")) {
        continue;
      }
      if (name.starts_with('_')) {
        out.emplace_back(name.substr(1));
      } else {
        out.emplace_back(std::string(name.starts_with('~') ? name.substr(1) : name) + "/");
      }
    }
    ::closedir(handle);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // root/seg1/seg2/_leaf for "seg1/seg2/leaf".
  Expected<std::string> FilePath(std::string_view key) const {
    const std::size_t slash = key.rfind('/');
    const std::string_view leaf = slash == std::string_view::npos ? key : key.substr(slash + 1);
    if (!ValidSegment(leaf)) {
      return Invalid(key);
    }
    std::string dir = root_;
    if (slash != std::string_view::npos) {
      Expected<std::string> folder = FolderPath(key.substr(0, slash));
      if (!folder) {
        return Invalid(key);
      }
      dir = *folder;
    }
    return dir + "/_" + std::string(leaf);
  }

  Expected<std::string> FolderPath(std::string_view folder) const {
    std::string out = root_;
    for (;;) {
      const std::size_t slash = folder.find('/');
      const std::string_view segment = folder.substr(0, slash);
      if (!ValidSegment(segment)) {
        return Invalid(folder);
      }
      // Folder names never start with '_' (value files) or '.' (temporary files): such
      // a first character is escaped with '~', and so is '~' itself.
      const bool escape = segment.starts_with('_') || segment.starts_with('.') || segment.starts_with('~');
      out.append(escape ? "/~" : "/").append(segment);
      if (slash == std::string_view::npos) {
        return out;
      }
      folder = folder.substr(slash + 1);
    }
  }

  static bool ValidSegment(std::string_view s) {
    return !s.empty() && s != "." && s != ".." && s.find('\0') == std::string_view::npos;
  }
  static UnexpectedError Invalid(std::string_view key) {
    return Unexpected(Error::Code::kInvalidArgument, "storage key \"" + std::string(key) + "\" is not a valid path");
  }

  // mkdir -p, fsyncing each parent that gained a folder.
  Expected<void> MakeDirectories(const std::string& dir) const {
    if (dir.size() <= root_.size()) {
      return {};
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return {};
    }
    const std::string parent = dir.substr(0, dir.rfind('/'));
    if (Expected<void> made = MakeDirectories(parent); !made) {
      return made;
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError("mkdir", dir);
    }
    return SyncDirectory(parent);
  }

  std::string root_;
  std::mutex mu_;
};

}  // namespace

Expected<std::shared_ptr<Storage>> OpenFileStorage(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return Unexpected(Error::Code::kIo, "cannot create storage folder " + directory.string() + ": " + ec.message());
  }
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
  std::string root = std::filesystem::absolute(directory, ec).lexically_normal().string();
  while (root.size() > 1 && root.ends_with('/')) {
    root.pop_back();
  }
  if (::access(root.c_str(), W_OK | X_OK) != 0) {
    return Unexpected(Error::Code::kIo, "storage folder " + root + " is not writable: " + std::strerror(errno));
  }
  return std::shared_ptr<Storage>(std::make_shared<FileStorage>(std::move(root)));
}

}  // namespace polcheck::runtime
