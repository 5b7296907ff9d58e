#pragma once

#include "model/Topology.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Haproxy {

// What a drawing can be exported as, for production machines.
enum class ConfigFormat { Haproxy, Keepalived, Nginx, Databases };
QString configFormatId(ConfigFormat format);   // "haproxy", as --format takes it
QString configFormatName(ConfigFormat format); // "HAProxy", for messages and menus
// The file an export is suggested to go to: "haproxy.cfg"; empty for a
// format that writes a set of files (writesFolder).
QString configFileName(ConfigFormat format);
// Databases: one file set per database server, so the export goes into a
// folder rather than one file.
bool writesFolder(ConfigFormat format);
std::optional<ConfigFormat> configFormatFromId(const QString &id);
QList<ConfigFormat> allConfigFormats();

struct ExportOptions
{
    // The document's file name, for the header comment; empty: untitled.
    QString source;
    // The folder the configuration is written into: PEM files the
    // configuration needs are made there, and it names them by full path.
    QString outputFolder;
    // HAProxy's stats listener: "ADDRESS:PORT"; empty: the first load
    // balancer's address, on 8404 or the next port no load balancer uses;
    // "none": no stats listener.
    QString statsBind;
    // HAProxy's stats socket (the Runtime API); "none": no socket.
    QString statsSocket = QStringLiteral("/run/haproxy/admin.sock");
};

// A PEM file an exported configuration names that has to be made beside it:
// HAProxy's crt wants the certificate and its key in one file.
struct CertificateFile
{
    QString loadBalancer; // whose listener it is for
    QString path;         // as the configuration names it
    // Combined from these two files; when `certificate` is empty, a
    // self-signed certificate for `hosts` is made (and kept when the file
    // is already there, so exporting twice does not change it).
    QString certificate;
    QString key;
    QStringList hosts;
};

// A file of an export that writes a folder (writesFolder).
struct ExportedFile
{
    QString name;    // in the output folder: "db-primary.cnf"
    QByteArray text; // the same drawing gives the same bytes
    // Holds a password once the reader fills in its placeholder: written
    // readable by the owner only.
    bool secret = false;
    bool executable = false; // a script to run

    bool operator==(const ExportedFile &) const = default;
};

struct ConfigExport
{
    QByteArray text;                    // the configuration; the same drawing gives the same bytes
    QList<ExportedFile> files;          // instead of `text`, for a format that writes a folder
    QList<CertificateFile> certificates; // files writeConfiguration() makes beside it
    QStringList warnings;               // what the target cannot say as drawn, one sentence each
    QString summary;                    // "2 frontends, 2 backends, stats on 127.0.0.1:8404"
    QString error;                      // not empty: nothing to write, and why
};

// The drawing as a configuration of `format`. A drawing that does not
// validate gives its first problem as the error.
ConfigExport exportConfiguration(ConfigFormat format, const Topology &topology, const ExportOptions &options);

// Writes the configuration to `path` atomically, then the certificate files
// it names (key included, readable by the owner only). For a format that
// writes a folder, `path` is the folder (made when missing) and each of
// `files` is written into it. *written lists every file written. One
// sentence in *error on failure.
bool writeConfiguration(const ConfigExport &exported, const QString &path, QString *error,
                        QStringList *written = nullptr);

// HAProxy's time format: "2s" for whole seconds, else "1500ms".
QString haproxyTime(int milliseconds);
// A word as HAProxy's tokenizer reads it back: quoted when it holds spaces,
// quotes, backslashes or '#'.
QString haproxyWord(const QString &word);

} // namespace Loadstar::Haproxy
