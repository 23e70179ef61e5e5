#include "collector/exporters/file/file_exporter.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>

#include "collector/core/exporter_helper.h"
#include "collector/core/logger.h"
#include "common/gzip.h"

namespace adot::collector {
namespace {

namespace fs = std::filesystem;

struct FileConfig : ComponentConfig {
  std::string path;
  bool gzip = false;
  int64_t max_megabytes = 100;
  int64_t max_backups = 100;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<FileConfig>();
  c->path = r.String("path");
  if (c->path.empty()) r.Error("path", "must not be empty");
  std::string format = r.String("format", "json");
  if (format != "json") r.Error("format", "only json is supported yet, got \"" + format + "\"");
  std::string comp = r.String("compression", "");
  if (comp == "gzip") c->gzip = true;
  else if (!comp.empty() && comp != "none") r.Error("compression", "must be gzip or none, got \"" + comp + "\"");
  r.Duration("flush_interval", std::chrono::seconds(1));  // every batch is flushed at once
  if (r.Has("rotation")) {
    ConfigReader rot = r.Child("rotation");
    c->max_megabytes = rot.Int("max_megabytes", 100, 1);
    c->max_backups = rot.Int("max_backups", 100, 0);
    rot.Finish();
  } else {
    c->max_megabytes = 0;  // no rotation unless configured, as in the Go collector
  }
  r.Finish();
  return c;
}

class FileWriter {
 public:
  explicit FileWriter(const FileConfig& c) : cfg_(c) {}
  ~FileWriter() {
    if (f_) std::fclose(f_);
  }

  Status Open() {
    std::lock_guard<std::mutex> lock(mu_);
    return OpenLocked();
  }

  Status Write(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!f_) {
      Status s = OpenLocked();
      if (!s.ok()) return s;
    }
    std::string compressed;
    const std::string* out = &line;
    if (cfg_.gzip) {
      common::GzipCompress(line, compressed);
      out = &compressed;
    }
    uint64_t limit = static_cast<uint64_t>(cfg_.max_megabytes) * 1024 * 1024;
    if (limit > 0 && size_ > 0 && size_ + out->size() > limit) Rotate();
    if (!f_) return Status::Permanent("cannot open " + cfg_.path);
    if (std::fwrite(out->data(), 1, out->size(), f_) != out->size() || std::fflush(f_) != 0)
      return Status::Permanent("cannot write " + cfg_.path);
    size_ += out->size();
    return Status::Ok();
  }

 private:
  Status OpenLocked() {
    std::error_code ec;
    fs::path p(cfg_.path);
    if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
    f_ = std::fopen(cfg_.path.c_str(), "ab");
    if (!f_) return Status::Permanent("cannot open " + cfg_.path + " for writing");
    struct stat st {};
    size_ = ::stat(cfg_.path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    return Status::Ok();
  }

  // path -> <stem>-<UTC timestamp><ext>; the oldest backups beyond max_backups are removed.
  void Rotate() {
    std::fclose(f_);
    f_ = nullptr;
    fs::path p(cfg_.path);
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H-%M-%S", &tm);
    std::string stem = p.stem().string(), ext = p.extension().string();
    char suffix[80];
    std::snprintf(suffix, sizeof suffix, "%s.%03d", ts, ms);
    fs::path backup = p.parent_path() / (stem + "-" + suffix + ext);
    std::error_code ec;
    fs::rename(p, backup, ec);
    if (cfg_.max_backups > 0) {
      std::vector<fs::path> backups;
      fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string n = e.path().filename().string();
        if (n.rfind(stem + "-", 0) == 0 && n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0)
          backups.push_back(e.path());
      }
      std::sort(backups.begin(), backups.end());  // timestamps sort by name
      while (backups.size() > static_cast<size_t>(cfg_.max_backups)) {
        fs::remove(backups.front(), ec);
        backups.erase(backups.begin());
      }
    }
    OpenLocked();
  }

  FileConfig cfg_;
  std::mutex mu_;
  FILE* f_ = nullptr;
  uint64_t size_ = 0;
};

std::shared_ptr<FileWriter> SharedWriter(const FileConfig& c) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<FileWriter>> writers;
  std::lock_guard<std::mutex> lock(mu);
  auto& w = writers[c.path];
  if (auto existing = w.lock()) return existing;
  auto created = std::make_shared<FileWriter>(c);
  w = created;
  return created;
}

class FileExporter : public Exporter {
 public:
  FileExporter(std::shared_ptr<FileWriter> writer, std::shared_ptr<QueuedExporter> helper)
      : writer_(std::move(writer)), helper_(std::move(helper)) {}
  Status Start() override {
    Status s = writer_->Open();
    if (!s.ok()) return s;
    return helper_->Start();
  }
  Status Consume(PData d) override { return helper_->Consume(std::move(d)); }
  void Shutdown(Deadline d) override { helper_->Shutdown(d); }

 private:
  std::shared_ptr<FileWriter> writer_;
  std::shared_ptr<QueuedExporter> helper_;
};

}  // namespace

Factory FileExporterFactory() {
  Factory f;
  f.kind = Kind::kExporter;
  f.type = "file";
  f.stability = "alpha";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_exporter = [](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Exporter> {
    auto writer = SharedWriter(static_cast<const FileConfig&>(c));
    ExporterHelperSettings h;
    h.queue.enabled = false;
    h.retry.enabled = false;
    auto helper = std::make_shared<QueuedExporter>(
        ExporterInstanceName(s), h,
        [writer](const PData& d, std::chrono::milliseconds) { return writer->Write(d.Json() + "\n"); });
    return std::make_shared<FileExporter>(writer, helper);
  };
  return f;
}

}  // namespace adot::collector
