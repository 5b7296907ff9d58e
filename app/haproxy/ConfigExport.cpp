#include "ConfigExport.h"

#include "HaproxyExport.h"
#include "engine/tls/TlsIdentity.h"
#include "model/PropertySchema.h"
#include "model/Validator.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>

#include <filesystem>
#include <system_error>

namespace Loadstar::Haproxy {

namespace {

struct FormatInfo
{
    ConfigFormat format;
    const char *id;
    const char *name;
    const char *fileName;
    bool folder;
};

constexpr FormatInfo kFormats[] = {
    {ConfigFormat::Haproxy, "haproxy", "HAProxy", "haproxy.cfg", false},
    {ConfigFormat::Keepalived, "keepalived", "keepalived", "keepalived.conf", false},
    {ConfigFormat::Nginx, "nginx", "nginx", "nginx.conf", false},
    {ConfigFormat::Databases, "databases", "MariaDB / PostgreSQL", "", true},
};

const FormatInfo &infoOf(ConfigFormat format)
{
    for (const FormatInfo &info : kFormats) {
        if (info.format == format)
            return info;
    }
    return kFormats[0];
}

QString shown(const QString &path)
{
    return QStringLiteral("“%1”").arg(QDir::toNativeSeparators(path));
}

QByteArray readAll(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.errorString();
        return {};
    }
    return file.readAll();
}

bool writeFile(const QString &path, const QByteArray &text, QFileDevice::Permissions permissions, QString *error)
{
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || !out.setPermissions(permissions)) {
        *error = QStringLiteral("Can't write %1: %2").arg(shown(path), out.errorString());
        return false;
    }
    out.write(text);
    if (!out.commit()) {
        *error = QStringLiteral("Can't write %1: %2").arg(shown(path), out.errorString());
        return false;
    }
    return true;
}

// The PEM a certificate file of the export holds: the drawn certificate and
// key together (checked to belong together), or a self-signed one.
std::optional<Engine::PemPair> pemFor(const CertificateFile &file, QString *error)
{
    if (file.certificate.isEmpty()) {
        QString why;
        auto pair = Engine::makeSelfSignedCertificate(file.hosts.value(0), file.hosts, 365, &why);
        if (!pair)
            *error = QStringLiteral("%1: can't make a self-signed certificate: %2").arg(file.loadBalancer, why);
        return pair;
    }
    QString why;
    if (!Engine::loadTlsIdentity(file.loadBalancer, file.certificate, file.key, &why)) {
        *error = why;
        return std::nullopt;
    }
    Engine::PemPair pair;
    pair.certificate = readAll(file.certificate, &why);
    pair.key = readAll(file.key, &why);
    if (!why.isEmpty()) {
        *error = QStringLiteral("%1: can't read %2: %3").arg(file.loadBalancer, shown(file.key), why);
        return std::nullopt;
    }
    return pair;
}

bool writeCertificate(const CertificateFile &file, QString *error)
{
    // A self-signed certificate made by an earlier export stays, so servers
    // and browsers that accepted it keep accepting it.
    if (file.certificate.isEmpty() && QFileInfo::exists(file.path))
        return true;
    const std::optional<Engine::PemPair> pem = pemFor(file, error);
    if (!pem)
        return false;
    QByteArray both = pem->certificate;
    if (!both.endsWith('\n'))
        both += '\n';
    both += pem->key;
    return writeFile(file.path, both, QFileDevice::ReadOwner | QFileDevice::WriteOwner, error);
}

// The files of a folder export, each replaced whole.
bool writeFolder(const ConfigExport &exported, const QString &folder, QString *error, QStringList *written)
{
    if (QFileInfo(folder).isFile()) {
        *error = QStringLiteral("%1 is a file, not a folder: choose a folder for the files").arg(shown(folder));
        return false;
    }
    std::error_code why;
    std::filesystem::create_directories(QFile::encodeName(folder).toStdString(), why);
    if (why) {
        *error = QStringLiteral("Can't make the folder %1: %2").arg(shown(folder), QString::fromLocal8Bit(why.message()));
        return false;
    }
    const QDir dir(folder);
    for (const ExportedFile &file : exported.files) {
        QFileDevice::Permissions permissions = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        if (!file.secret)
            permissions |= QFileDevice::ReadGroup | QFileDevice::ReadOther;
        if (file.executable) {
            permissions |= QFileDevice::ExeOwner;
            if (!file.secret)
                permissions |= QFileDevice::ExeGroup | QFileDevice::ExeOther;
        }
        const QString path = dir.filePath(file.name);
        if (!writeFile(path, file.text, permissions, error))
            return false;
        if (written)
            written->append(path);
    }
    return true;
}

bool isBehindLoadBalancer(const Topology &topology, const Node &node)
{
    for (const Link &link : topology.linksTo(node.id)) {
        const Node *from = topology.node(link.from);
        if (from && from->kind == NodeKind::LoadBalancer)
            return true;
    }
    return false;
}

// A database cluster the drawing connects to directly gets the two
// listeners people put HAProxy in front of one with: writes to the primary
// (its replicas as backups) and reads over the replicas (the primary as
// backup), on the primary's port plus 10000 and 10001, or the next free
// ones. They are added as load balancers before compiling, so they come
// out exactly as drawn ones would and import as such.
Topology withDatabaseListeners(const Topology &topology, QStringList *notes)
{
    Topology result = topology;
    QSet<int> usedPorts;
    QString lbAddress;
    for (const Node &node : topology.nodes()) {
        if (PropertySchema::find(node.kind, QStringLiteral("port")))
            usedPorts.insert(node.intProperty(QStringLiteral("port")));
        if (node.kind == NodeKind::LoadBalancer && lbAddress.isEmpty())
            lbAddress = node.stringProperty(QStringLiteral("address"));
    }
    auto freePort = [&usedPorts](int port) {
        while (usedPorts.contains(port) || port > 65535)
            port = port > 65535 ? 1024 : port + 1;
        usedPorts.insert(port);
        return port;
    };
    for (const Node &primary : topology.nodes()) {
        if (primary.kind != NodeKind::Database
            || primary.stringProperty(QStringLiteral("role")) != QLatin1String("primary")
            || isBehindLoadBalancer(topology, primary)) {
            continue;
        }
        QList<NodeId> replicas;
        for (const Link &link : topology.linksFrom(primary.id)) {
            if (link.kind == LinkKind::Replication)
                replicas.append(link.to);
        }
        if (replicas.isEmpty())
            continue;
        const QString address = lbAddress.isEmpty() ? primary.stringProperty(QStringLiteral("address")) : lbAddress;
        const int base = primary.intProperty(QStringLiteral("port")) + 10000;
        for (const char *route : {"primary", "replicas"}) {
            const bool writes = qstrcmp(route, "primary") == 0;
            const QString name = primary.name + (writes ? QStringLiteral("-write") : QStringLiteral("-read"));
            Node lb = Node::make(NodeKind::LoadBalancer, result.nodeByName(name) ? result.uniqueName(name) : name);
            lb.setProperty(QStringLiteral("address"), address);
            lb.setProperty(QStringLiteral("port"), freePort(writes ? base : base + 1));
            lb.setProperty(QStringLiteral("mode"), QStringLiteral("tcp"));
            lb.setProperty(QStringLiteral("db_route"), QString::fromLatin1(route));
            const NodeId id = result.addNode(lb);
            result.connect(id, primary.id);
            for (NodeId replica : std::as_const(replicas))
                result.connect(id, replica);
            notes->append(QStringLiteral("%1's cluster gets a %2 listener, %3 on %4:%5; point the applications at it")
                              .arg(primary.name, writes ? QStringLiteral("write") : QStringLiteral("read"), lb.name,
                                   address)
                              .arg(lb.intProperty(QStringLiteral("port"))));
        }
    }
    return result;
}

} // namespace

QString configFormatId(ConfigFormat format)
{
    return QString::fromLatin1(infoOf(format).id);
}

QString configFormatName(ConfigFormat format)
{
    return QString::fromLatin1(infoOf(format).name);
}

QString configFileName(ConfigFormat format)
{
    return QString::fromLatin1(infoOf(format).fileName);
}

bool writesFolder(ConfigFormat format)
{
    return infoOf(format).folder;
}

std::optional<ConfigFormat> configFormatFromId(const QString &id)
{
    for (const FormatInfo &info : kFormats) {
        if (id == QLatin1String(info.id))
            return info.format;
    }
    return std::nullopt;
}

QList<ConfigFormat> allConfigFormats()
{
    QList<ConfigFormat> formats;
    for (const FormatInfo &info : kFormats)
        formats.append(info.format);
    return formats;
}

ConfigExport exportConfiguration(ConfigFormat format, const Topology &drawn, const ExportOptions &options)
{
    ConfigExport result;
    if (const QList<Problem> problems = validate(drawn); !problems.isEmpty()) {
        result.error = QStringLiteral("The drawing can't be exported as it is: %1").arg(problems.first().message);
        return result;
    }
    QStringList notes;
    // The listeners HAProxy puts in front of a database cluster belong to
    // the load balancing formats only.
    const bool listeners = format == ConfigFormat::Haproxy || format == ConfigFormat::Nginx;
    const Topology topology = listeners ? withDatabaseListeners(drawn, &notes) : drawn;
    const Engine::CompileResult compiled = Engine::compile(topology);
    if (!compiled.problems.isEmpty()) {
        result.error = QStringLiteral("The drawing can't be exported as it is: %1").arg(compiled.problems.first().message);
        return result;
    }
    switch (format) {
    case ConfigFormat::Haproxy:
        result = exportHaproxy(topology, compiled.config, options);
        break;
    case ConfigFormat::Keepalived:
        result = exportKeepalived(topology, compiled.config, options);
        break;
    case ConfigFormat::Nginx:
        result = exportNginx(topology, compiled.config, options);
        break;
    case ConfigFormat::Databases:
        result = exportDatabases(topology, compiled.config, options);
        break;
    }
    result.warnings = notes + result.warnings;
    return result;
}

bool writeConfiguration(const ConfigExport &exported, const QString &path, QString *error, QStringList *written)
{
    if (!exported.error.isEmpty()) {
        *error = exported.error;
        return false;
    }
    if (!exported.files.isEmpty())
        return writeFolder(exported, path, error, written);
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("Can't write %1: %2").arg(shown(path), out.errorString());
        return false;
    }
    out.write(exported.text);
    if (!out.commit()) {
        *error = QStringLiteral("Can't write %1: %2").arg(shown(path), out.errorString());
        return false;
    }
    if (written)
        written->append(path);
    for (const CertificateFile &file : exported.certificates) {
        if (!writeCertificate(file, error))
            return false;
        if (written)
            written->append(file.path);
    }
    return true;
}

QString haproxyTime(int milliseconds)
{
    if (milliseconds % 1000 == 0)
        return QStringLiteral("%1s").arg(milliseconds / 1000);
    return QStringLiteral("%1ms").arg(milliseconds);
}

QString haproxyWord(const QString &word)
{
    static const QString special = QStringLiteral(" \t\"'\\#");
    bool plain = !word.isEmpty();
    for (QChar c : word) {
        if (special.contains(c))
            plain = false;
    }
    if (plain)
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace Loadstar::Haproxy
