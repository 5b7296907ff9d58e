#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Haproxy {

// One directive of an haproxy.cfg: its keyword and arguments as HAProxy's
// tokenizer reads them (quotes removed, escapes resolved), and the line as
// written, so what Loadstar does not model can be written back unchanged.
struct ConfigLine
{
    int number = 0; // 1-based
    QString keyword;
    QStringList arguments;
    QString text;         // the line as written, without its indentation
    QStringList comments; // whole-line comments right above it, as written

    // "option httpchk" → true for ("option", "httpchk").
    bool is(const char *keyword, const char *firstArgument = nullptr) const;
};

// A section: global, defaults, frontend, backend, listen, or any other kind
// HAProxy knows (userlist, resolvers, peers, cache, program…), which
// Loadstar keeps whole.
struct ConfigSection
{
    QString kind;          // "frontend"
    QString name;          // "fe_main"; may be empty for global and defaults
    QStringList arguments; // after the name ("from base" of a proxy)
    int number = 0;        // line of the header
    QString text;          // the header as written
    QStringList comments;  // whole-line comments right above the header
    QList<ConfigLine> lines;

    bool isProxy() const; // defaults, frontend, backend, listen
    // "frontend fe_main", "global", "defaults" — how messages name it.
    QString title() const;
    int lastLine() const { return lines.isEmpty() ? number : lines.constLast().number; }
    // The section as HAProxy reads it, its directives indented; comments
    // inside it are kept.
    QString wholeText() const;
    // The named defaults this proxy takes its values from ("from NAME"),
    // empty for the last defaults section before it.
    QString defaultsName() const;
};

// Something that stops a file from being read as a configuration.
struct ConfigError
{
    int line = 0; // 0: the file as a whole
    QString message;

    // "line 12: “2x” is not a time such as 2s or 500ms"
    QString text() const;
};

struct ParsedConfig
{
    QList<ConfigSection> sections;
    QList<ConfigError> errors; // empty when the file is a configuration

    bool ok() const { return errors.isEmpty(); }
    const ConfigSection *proxy(const QString &kind, const QString &name) const;
    // A backend or listen section of that name (what default_backend and
    // use_backend name), or null.
    const ConfigSection *backend(const QString &name) const;
};

// Reads haproxy.cfg text. Every section and line is kept; errors name the
// line: a directive before any section, a server without address, a bad
// port or time, a bind without port, a default_backend naming no backend,
// unclosed quotes, or a file that is not text at all.
ParsedConfig parseConfig(const QByteArray &bytes);
// The same, from a file; a file that cannot be read is an error of line 0.
ParsedConfig readConfig(const QString &path);

// The words of one line as HAProxy's tokenizer reads them, or nothing and
// `error` when a quote is not closed. `comment` receives where a comment
// starts (-1 for none).
std::optional<QStringList> tokenize(const QString &line, QString *error = nullptr, int *comment = nullptr);

// An HAProxy time ("2s", "500ms", "1m", "100us"; no unit means ms) in
// milliseconds, rounded up; nothing when the word is not a time.
std::optional<qint64> parseTime(const QString &word);

// Where a bind or server points: an address (empty for every address) and
// a port (0 when the word has none).
struct Endpoint
{
    QString address;
    int port = 0;
    bool ipv6 = false;
};

// "10.0.0.1:80", "*:80", ":80", "[::]:443", "ipv4@0.0.0.0:80", "db:3306",
// "10.0.0.1". Nothing and `error` when the port is not 1–65535.
std::optional<Endpoint> parseEndpoint(const QString &word, QString *error);

// HAProxy's section keywords.
bool isSectionKeyword(const QString &word);

} // namespace Loadstar::Haproxy
