#pragma once

#include "ConfigExport.h"
#include "engine/EngineConfig.h"

namespace Loadstar::Haproxy {

// Each writer takes the drawing and its compiled configuration (what the
// embedded engine runs, so the exported machines balance as Run does) and
// reads the drawing only for what the engine does not need (kept lines,
// backend names, virtual addresses).
ConfigExport exportHaproxy(const Topology &topology, const Engine::EngineConfig &config,
                           const ExportOptions &options);
ConfigExport exportKeepalived(const Topology &topology, const Engine::EngineConfig &config,
                              const ExportOptions &options);
ConfigExport exportNginx(const Topology &topology, const Engine::EngineConfig &config,
                         const ExportOptions &options);
ConfigExport exportDatabases(const Topology &topology, const Engine::EngineConfig &config,
                             const ExportOptions &options);

// Where a frontend's TLS certificate is found by HAProxy and nginx: the
// drawn file when it holds the key too, else a PEM made beside the
// configuration (recorded in `certificates`).
QString certificatePathFor(const Engine::FrontendConfig &frontend, const ExportOptions &options,
                           QList<CertificateFile> &certificates);

// "127.0.0.1:8080", "[::1]:8080".
QString hostPort(const QString &address, int port);

} // namespace Loadstar::Haproxy
