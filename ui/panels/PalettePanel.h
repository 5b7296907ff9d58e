#pragma once

#include "ui/diagram/DiagramView.h"

#include "model/Kinds.h"

#include <QListWidget>
#include <QWidget>

class QLineEdit;
class QMimeData;

namespace Loadstar::Ui {

// What a palette drag carries: the kind's id ("load-balancer"), UTF-8.

namespace Internal {

// The list of kinds: drags carry kNodeKindMimeType (DiagramView.h) with the kind's icon as
// the drag image.
class PaletteList final : public QListWidget
{
    Q_OBJECT

public:
    explicit PaletteList(QWidget *parent = nullptr);

    static NodeKind kindOf(const QListWidgetItem *item);

protected:
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QList<QListWidgetItem *> &items) const override;
    void startDrag(Qt::DropActions supportedActions) override;
};

} // namespace Internal

// The node kinds a user can draw, each with its icon and name, and a search
// field that narrows them by name or by the words people use for them
// ("haproxy", "db"). Entries are dragged onto the canvas, or added at the
// view's centre with a double-click or Enter (addRequested). It knows
// nothing of documents: the window decides what adding means.
class PalettePanel final : public QWidget
{
    Q_OBJECT

public:
    explicit PalettePanel(QWidget *parent = nullptr);

    QLineEdit *searchField() const { return m_search; }
    QListWidget *list() const { return m_list; }

    // The kinds the search leaves visible, in palette order.
    QList<NodeKind> visibleKinds() const;

    // What dragging the entry of `kind` carries.
    static QMimeData *mimeDataFor(NodeKind kind);

signals:
    void addRequested(Loadstar::NodeKind kind);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void applyFilter(const QString &text);
    void updateIcons();
    void requestAdd(QListWidgetItem *item);

    QLineEdit *m_search;
    Internal::PaletteList *m_list;
};

} // namespace Loadstar::Ui
