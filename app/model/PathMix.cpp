#include "PathMix.h"

#include <QRegularExpression>
#include <QSet>

namespace Loadstar {

namespace {

QString q(const QString &text)
{
    return QStringLiteral("“%1”").arg(text);
}

PathMix failed(QString error)
{
    PathMix mix;
    mix.error = std::move(error);
    return mix;
}

} // namespace

PathMix PathMix::parse(const QString &text)
{
    // The same paths the `path` property accepts, less the comma that
    // separates entries here.
    static const QRegularExpression pathPattern(QStringLiteral("^/[\\x21-\\x2b\\x2d-\\x7e]*$"));
    static const QRegularExpression spaces(QStringLiteral("\\s+"));
    const QString example = QStringLiteral("write it as paths and weights, such as “/ 80, /api 15, /login 5”");

    PathMix mix;
    if (text.trimmed().isEmpty())
        return mix;
    QSet<QString> seen;
    for (const QString &entry : text.split(QLatin1Char(','))) {
        const QStringList words = entry.trimmed().split(spaces, Qt::SkipEmptyParts);
        if (words.isEmpty())
            return failed(QStringLiteral("has an empty entry between two commas: %1").arg(example));
        if (words.size() > 2 || !pathPattern.match(words.first()).hasMatch())
            return failed(QStringLiteral("has %1, which is not a path starting with “/” and a weight: %2")
                              .arg(q(entry.trimmed()), example));
        PathShare share{words.first(), 1};
        if (words.size() == 2) {
            bool ok = false;
            share.weight = words.last().toInt(&ok);
            if (!ok || share.weight < 1 || share.weight > MaxWeight)
                return failed(QStringLiteral("gives %1 the weight %2: a weight is a whole number from 1 to %3")
                                  .arg(q(share.path), q(words.last()))
                                  .arg(MaxWeight));
        }
        if (seen.contains(share.path))
            return failed(QStringLiteral("lists %1 twice: give each path once, with its whole weight").arg(q(share.path)));
        seen.insert(share.path);
        mix.shares.append(share);
    }
    return mix;
}

} // namespace Loadstar
