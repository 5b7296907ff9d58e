#pragma once

#include "model/Kinds.h"

#include <QString>
#include <QStringList>

namespace Loadstar::Ui {

// How the panels name a kind of node to people: a title ("Load balancer"),
// one line saying what it is, and the words users search for it by
// ("haproxy", "lb", "mysql"), so the palette finds a kind under any of them.
namespace KindText {

QString title(NodeKind kind);       // "Load balancer"
QString description(NodeKind kind); // "Spreads requests over the servers behind it"
QStringList synonyms(NodeKind kind);

// True when every word of `query` is part of the kind's title or one of its
// synonyms (case-insensitive). An empty query matches every kind.
bool matches(NodeKind kind, const QString &query);

} // namespace KindText

} // namespace Loadstar::Ui
