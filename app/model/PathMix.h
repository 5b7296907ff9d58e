#pragma once

#include <QList>
#include <QString>

namespace Loadstar {

// One path of a client's request mix, and how many requests of every
// `total weight` go to it.
struct PathShare
{
    QString path;
    int weight = 1;

    bool operator==(const PathShare &) const = default;
};

// A client's `path_mix` property: "/ 80, /api 15, /login 5" — paths with an
// optional weight (1 when left out), separated by commas. The validator and
// the engine compiler both read it through this one parser.
struct PathMix
{
    QList<PathShare> shares; // in the order written; empty for an empty text
    QString error;           // not empty when the text is malformed; completes "path mix …"

    static constexpr int MaxWeight = 1000000;
    static PathMix parse(const QString &text);
};

} // namespace Loadstar
