#include "HaproxyConfig.h"

#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <cmath>

namespace Loadstar::Haproxy {

namespace {

QString quoted(const QString &text)
{
    return QStringLiteral("“%1”").arg(text);
}

// Every section keyword of HAProxy 2.6 and later ones a file written for a
// newer HAProxy may hold.
const QStringList &sectionKeywords()
{
    static const QStringList keywords{
        QStringLiteral("global"),    QStringLiteral("defaults"),   QStringLiteral("frontend"),
        QStringLiteral("backend"),   QStringLiteral("listen"),     QStringLiteral("userlist"),
        QStringLiteral("peers"),     QStringLiteral("resolvers"),  QStringLiteral("mailers"),
        QStringLiteral("program"),   QStringLiteral("http-errors"), QStringLiteral("ring"),
        QStringLiteral("cache"),     QStringLiteral("fcgi-app"),   QStringLiteral("log-forward"),
        QStringLiteral("crt-store"), QStringLiteral("traces"),
    };
    return keywords;
}

bool isAllDigits(const QString &text)
{
    if (text.isEmpty())
        return false;
    for (QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
    }
    return true;
}

// Listeners and servers HAProxy reaches through something other than an
// IP address and port: UNIX sockets, inherited file descriptors.
bool isSocketAddress(const QString &word)
{
    static const QStringList prefixes{QStringLiteral("/"),      QStringLiteral("unix@"),
                                      QStringLiteral("abns@"),  QStringLiteral("fd@"),
                                      QStringLiteral("sockpair@"), QStringLiteral("quic4@"),
                                      QStringLiteral("quic6@")};
    for (const QString &prefix : prefixes) {
        if (word.startsWith(prefix))
            return true;
    }
    return false;
}

// False when a line is not UTF-8 text or holds control characters only a
// binary file has.
bool isText(const QByteArray &line)
{
    for (char c : line) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == 0 || (byte < 0x20 && byte != '\t' && byte != '\r' && byte != '\f' && byte != '\v'))
            return false;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    // Decoding is what sets hasError(); the text itself is read later.
    [[maybe_unused]] const QString decoded = decoder.decode(line);
    return !decoder.hasError();
}

// Checks the lines whose values Loadstar reads, so a mistake is reported
// at its line instead of becoming a wrong drawing.
class LineChecker
{
public:
    explicit LineChecker(ParsedConfig &config)
        : m_config(config)
    {}

    void check()
    {
        for (const ConfigSection &section : std::as_const(m_config.sections)) {
            if (section.isProxy() && section.kind != QLatin1String("defaults") && section.name.isEmpty()) {
                fail(section.number, QStringLiteral("%1 needs a name, such as %1 %2")
                                         .arg(section.kind, section.kind == QLatin1String("backend")
                                                                ? QStringLiteral("be_app")
                                                                : QStringLiteral("fe_main")));
            }
            if (!section.isProxy())
                continue;
            bool hasBind = false;
            for (const ConfigLine &line : section.lines) {
                checkLine(line);
                hasBind = hasBind || line.keyword == QLatin1String("bind");
            }
            if (section.kind == QLatin1String("frontend") && !hasBind) {
                fail(section.number, QStringLiteral("frontend %1 has no bind line: add one such as bind :80")
                                         .arg(quoted(section.name)));
            }
        }
    }

private:
    void fail(int line, const QString &message) { m_config.errors.append({line, message}); }

    void checkLine(const ConfigLine &line)
    {
        const QString &keyword = line.keyword;
        if (keyword == QLatin1String("server")) {
            checkServer(line);
        } else if (keyword == QLatin1String("default-server")) {
            checkServerOptions(line, 0);
        } else if (keyword == QLatin1String("bind")) {
            checkBind(line);
        } else if (keyword == QLatin1String("timeout")) {
            if (line.arguments.size() < 2)
                fail(line.number, QStringLiteral("“timeout %1” needs a time, such as 5s").arg(line.arguments.value(0)));
            else
                checkTime(line, line.arguments.at(1));
        } else if (keyword == QLatin1String("retries") || keyword == QLatin1String("maxconn")) {
            checkNumber(line, keyword, line.arguments.value(0));
        } else if (keyword == QLatin1String("default_backend") || keyword == QLatin1String("use_backend")) {
            checkBackendName(line);
        }
    }

    void checkServer(const ConfigLine &line)
    {
        if (line.arguments.size() < 2) {
            const QString name = line.arguments.value(0, QStringLiteral("web1"));
            fail(line.number, QStringLiteral("server %1 has no address: write it as server %2 10.0.0.1:80")
                                  .arg(quoted(name), name));
            return;
        }
        const QString &address = line.arguments.at(1);
        QString error;
        if (!isSocketAddress(address) && !parseEndpoint(address, &error))
            fail(line.number, error);
        checkServerOptions(line, 2);
    }

    void checkServerOptions(const ConfigLine &line, int first)
    {
        static const QStringList times{QStringLiteral("inter"), QStringLiteral("fastinter"),
                                       QStringLiteral("downinter"), QStringLiteral("slowstart"),
                                       QStringLiteral("agent-inter")};
        static const QStringList numbers{QStringLiteral("weight"), QStringLiteral("rise"), QStringLiteral("fall"),
                                         QStringLiteral("maxconn"), QStringLiteral("error-limit"),
                                         QStringLiteral("maxqueue"), QStringLiteral("minconn")};
        const QStringList &words = line.arguments;
        for (int i = first; i < words.size(); ++i) {
            const QString &word = words.at(i);
            const bool time = times.contains(word);
            if (!time && !numbers.contains(word))
                continue;
            if (i + 1 >= words.size()) {
                fail(line.number, QStringLiteral("%1 needs a value, such as %1 %2")
                                      .arg(word, time ? QStringLiteral("2s") : QStringLiteral("3")));
                return;
            }
            ++i;
            if (time)
                checkTime(line, words.at(i));
            else
                checkNumber(line, word, words.at(i));
        }
    }

    void checkBind(const ConfigLine &line)
    {
        if (line.arguments.isEmpty()) {
            fail(line.number, QStringLiteral("bind needs an address and port, such as bind :80"));
            return;
        }
        // "bind 10.0.0.1:80,10.0.0.2:80" binds both.
        for (const QString &address : line.arguments.first().split(QLatin1Char(','))) {
            if (isSocketAddress(address))
                continue;
            QString error;
            const auto endpoint = parseEndpoint(address, &error);
            if (!endpoint) {
                fail(line.number, error);
            } else if (endpoint->port == 0) {
                fail(line.number, QStringLiteral("bind %1 has no port: write it as %2:80")
                                      .arg(quoted(address), endpoint->ipv6 ? QStringLiteral("[%1]").arg(endpoint->address)
                                                                           : address));
            }
        }
    }

    void checkTime(const ConfigLine &line, const QString &word)
    {
        if (!parseTime(word))
            fail(line.number, QStringLiteral("%1 is not a time such as 2s or 500ms").arg(quoted(word)));
    }

    void checkNumber(const ConfigLine &line, const QString &what, const QString &word)
    {
        if (!isAllDigits(word))
            fail(line.number, QStringLiteral("%1 is not a whole number (%2)").arg(quoted(word), what));
    }

    void checkBackendName(const ConfigLine &line)
    {
        const QString name = line.arguments.value(0);
        if (name.isEmpty()) {
            fail(line.number, QStringLiteral("%1 needs the name of a backend").arg(line.keyword));
            return;
        }
        // use_backend may name its backend with a sample expression, known
        // only per request.
        if (name.contains(QLatin1String("%[")) || m_config.backend(name))
            return;
        fail(line.number, QStringLiteral("%1 %2 names no backend: add a section “backend %3” or fix the name")
                              .arg(line.keyword, quoted(name), name));
    }

    ParsedConfig &m_config;
};

} // namespace

bool ConfigLine::is(const char *word, const char *firstArgument) const
{
    if (keyword != QLatin1String(word))
        return false;
    return !firstArgument || arguments.value(0) == QLatin1String(firstArgument);
}

bool ConfigSection::isProxy() const
{
    return kind == QLatin1String("defaults") || kind == QLatin1String("frontend")
           || kind == QLatin1String("backend") || kind == QLatin1String("listen");
}

QString ConfigSection::title() const
{
    return name.isEmpty() ? kind : QStringLiteral("%1 %2").arg(kind, name);
}

QString ConfigSection::wholeText() const
{
    QStringList out;
    for (const QString &comment : comments)
        out.append(comment);
    out.append(text);
    for (const ConfigLine &line : lines) {
        for (const QString &comment : line.comments)
            out.append(QStringLiteral("    ") + comment);
        out.append(QStringLiteral("    ") + line.text);
    }
    return out.join(QLatin1Char('\n'));
}

QString ConfigSection::defaultsName() const
{
    const qsizetype from = arguments.indexOf(QStringLiteral("from"));
    return from >= 0 ? arguments.value(from + 1) : QString();
}

QString ConfigError::text() const
{
    return line > 0 ? QStringLiteral("line %1: %2").arg(line).arg(message) : message;
}

const ConfigSection *ParsedConfig::proxy(const QString &kind, const QString &name) const
{
    for (const ConfigSection &section : sections) {
        if (section.kind == kind && section.name == name)
            return &section;
    }
    return nullptr;
}

const ConfigSection *ParsedConfig::backend(const QString &name) const
{
    if (const ConfigSection *section = proxy(QStringLiteral("backend"), name))
        return section;
    return proxy(QStringLiteral("listen"), name);
}

std::optional<QStringList> tokenize(const QString &line, QString *error, int *comment)
{
    QStringList words;
    QString word;
    bool inWord = false;
    QChar quote; // '"' or '\'' while inside quotes
    if (comment)
        *comment = -1;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quote == QLatin1Char('\'')) {
            if (c == quote)
                quote = QChar();
            else
                word += c;
            continue;
        }
        if (c == QLatin1Char('\\') && i + 1 < line.size()) {
            const QChar next = line.at(i + 1);
            static const QString literal = QStringLiteral(" #\\'\"$");
            if (literal.contains(next)) {
                word += next;
                ++i;
            } else if (next == QLatin1Char('r') || next == QLatin1Char('n') || next == QLatin1Char('t')) {
                word += next == QLatin1Char('r') ? QLatin1Char('\r') : next == QLatin1Char('n') ? QLatin1Char('\n') : QLatin1Char('\t');
                ++i;
            } else if (next == QLatin1Char('x') && i + 3 < line.size()) {
                bool ok = false;
                const int code = line.mid(i + 2, 2).toInt(&ok, 16);
                if (ok) {
                    word += QChar(code);
                    i += 3;
                } else {
                    word += c;
                }
            } else {
                // HAProxy keeps other escapes as written (regular expressions).
                word += c;
            }
            inWord = true;
            continue;
        }
        if (quote == QLatin1Char('"')) {
            if (c == quote)
                quote = QChar();
            else
                word += c;
            continue;
        }
        if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            quote = c;
            inWord = true;
            continue;
        }
        if (c == QLatin1Char('#')) {
            if (comment)
                *comment = int(i);
            break;
        }
        if (c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\r')) {
            if (inWord)
                words.append(word);
            word.clear();
            inWord = false;
            continue;
        }
        word += c;
        inWord = true;
    }
    if (!quote.isNull()) {
        if (error)
            *error = QStringLiteral("a quote (%1) is not closed on this line").arg(quote);
        return std::nullopt;
    }
    if (inWord)
        words.append(word);
    return words;
}

std::optional<qint64> parseTime(const QString &word)
{
    qsizetype digits = 0;
    while (digits < word.size() && word.at(digits) >= QLatin1Char('0') && word.at(digits) <= QLatin1Char('9'))
        ++digits;
    if (digits == 0 || digits > 12)
        return std::nullopt;
    const qint64 value = word.left(digits).toLongLong();
    const QString unit = word.mid(digits);
    if (unit.isEmpty() || unit == QLatin1String("ms"))
        return value;
    if (unit == QLatin1String("us"))
        return (value + 999) / 1000;
    if (unit == QLatin1String("s"))
        return value * 1000;
    if (unit == QLatin1String("m"))
        return value * 60 * 1000;
    if (unit == QLatin1String("h"))
        return value * 3600 * 1000;
    if (unit == QLatin1String("d"))
        return value * 24 * 3600 * 1000;
    return std::nullopt;
}

std::optional<Endpoint> parseEndpoint(const QString &word, QString *error)
{
    QString text = word;
    for (const char *prefix : {"ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"}) {
        if (text.startsWith(QLatin1String(prefix))) {
            text = text.mid(qsizetype(qstrlen(prefix)));
            break;
        }
    }
    Endpoint endpoint;
    QString port;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0) {
            if (error)
                *error = QStringLiteral("%1 has no closing “]” after its IPv6 address").arg(quoted(word));
            return std::nullopt;
        }
        endpoint.address = text.mid(1, close - 1);
        endpoint.ipv6 = true;
        const QString rest = text.mid(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(QLatin1Char(':'))) {
            if (error)
                *error = QStringLiteral("%1 is not an address:port such as [::1]:80").arg(quoted(word));
            return std::nullopt;
        }
        port = rest.mid(1);
    } else if (text.count(QLatin1Char(':')) > 1) {
        // HAProxy reads "::1:80" as address ::1, port 80: the last colon
        // splits, unless what follows it is not a port at all.
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        endpoint.ipv6 = true;
        endpoint.address = text.left(colon);
        port = text.mid(colon + 1);
    } else {
        const qsizetype colon = text.indexOf(QLatin1Char(':'));
        endpoint.address = colon < 0 ? text : text.left(colon);
        port = colon < 0 ? QString() : text.mid(colon + 1);
    }
    if (endpoint.address == QLatin1String("*"))
        endpoint.address.clear();
    if (port.isEmpty())
        return endpoint;
    // A range ("8000-8010") binds each port; its first one is where it starts.
    const QString first = port.section(QLatin1Char('-'), 0, 0);
    bool ok = isAllDigits(first);
    const int number = ok ? first.toInt(&ok) : 0;
    if (!ok || number < 1 || number > 65535) {
        if (error)
            *error = QStringLiteral("%1 in %2 is not a port (1–65535)").arg(quoted(port), quoted(word));
        return std::nullopt;
    }
    endpoint.port = number;
    return endpoint;
}

bool isSectionKeyword(const QString &word)
{
    return sectionKeywords().contains(word);
}

ParsedConfig parseConfig(const QByteArray &bytes)
{
    ParsedConfig config;
    const QList<QByteArray> rawLines = bytes.split('\n');
    QStringList pendingComments;
    for (qsizetype index = 0; index < rawLines.size(); ++index) {
        const int number = int(index) + 1;
        const QByteArray &raw = rawLines.at(index);
        if (!isText(raw)) {
            config.errors.append({number, QStringLiteral("the file is not a text configuration (binary data or "
                                                         "text that is not UTF-8): choose an haproxy.cfg")});
            config.sections.clear();
            return config;
        }
        const QString text = QString::fromUtf8(raw).trimmed();
        QString error;
        int commentAt = -1;
        const auto words = tokenize(text, &error, &commentAt);
        if (!words) {
            config.errors.append({number, error});
            continue;
        }
        if (words->isEmpty()) {
            if (commentAt >= 0)
                pendingComments.append(text);
            else
                pendingComments.clear(); // a blank line ends a comment block
            continue;
        }
        const QString &keyword = words->first();
        if (isSectionKeyword(keyword)) {
            ConfigSection section;
            section.kind = keyword;
            section.name = words->value(1);
            section.arguments = words->mid(2);
            // "defaults from base" has no name, only a parent.
            if (section.name == QLatin1String("from")) {
                section.arguments.prepend(section.name);
                section.name.clear();
            }
            section.number = number;
            section.text = text;
            section.comments = std::exchange(pendingComments, {});
            config.sections.append(section);
            continue;
        }
        if (config.sections.isEmpty()) {
            config.errors.append({number, QStringLiteral("%1 comes before any section: put it under global, defaults, "
                                                         "frontend, backend or listen")
                                              .arg(quoted(keyword))});
            continue;
        }
        ConfigLine line;
        line.number = number;
        line.keyword = keyword;
        line.arguments = words->mid(1);
        line.text = text;
        line.comments = std::exchange(pendingComments, {});
        config.sections.last().lines.append(line);
    }
    LineChecker(config).check();
    std::sort(config.errors.begin(), config.errors.end(),
              [](const ConfigError &a, const ConfigError &b) { return a.line < b.line; });
    return config;
}

ParsedConfig readConfig(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ParsedConfig config;
        const QString reason = QFileInfo(path).isDir() ? QStringLiteral("it is a folder") : file.errorString();
        config.errors.append({0, QStringLiteral("cannot be read (%1): choose an existing haproxy.cfg").arg(reason)});
        return config;
    }
    return parseConfig(file.readAll());
}

} // namespace Loadstar::Haproxy
