#include "PalettePanel.h"

#include "KindText.h"
#include "ui/Icons.h"
#include "ui/diagram/DiagramStyle.h"

#include <QCoreApplication>
#include <QDrag>
#include <QEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QVBoxLayout>

namespace Loadstar::Ui {

namespace {

constexpr int KindRole = Qt::UserRole + 1;
constexpr int ListIconSize = 24;
constexpr int DragIconSize = 48;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

} // namespace

namespace Internal {

PaletteList::PaletteList(QWidget *parent)
    : QListWidget(parent)
{
    setDragEnabled(true);
    setDragDropMode(QAbstractItemView::DragOnly);
    setDefaultDropAction(Qt::CopyAction);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setIconSize(QSize(ListIconSize, ListIconSize));
    setUniformItemSizes(true);
    setSpacing(1);
    setFrameShape(QFrame::NoFrame);
}

NodeKind PaletteList::kindOf(const QListWidgetItem *item)
{
    return static_cast<NodeKind>(item->data(KindRole).toInt());
}

QStringList PaletteList::mimeTypes() const
{
    return {QString::fromLatin1(kNodeKindMimeType)};
}

QMimeData *PaletteList::mimeData(const QList<QListWidgetItem *> &items) const
{
    if (items.isEmpty())
        return nullptr;
    return PalettePanel::mimeDataFor(kindOf(items.first()));
}

void PaletteList::startDrag(Qt::DropActions supportedActions)
{
    QListWidgetItem *item = currentItem();
    if (!item || !(supportedActions & Qt::CopyAction))
        return;
    const NodeKind kind = kindOf(item);
    auto *drag = new QDrag(this);
    drag->setMimeData(PalettePanel::mimeDataFor(kind));
    const qreal ratio = devicePixelRatioF();
    QPixmap pixmap = Icons::kindPixmap(kind, qRound(DragIconSize * ratio),
                                       DiagramStyle::accent(kind, isDark(palette())));
    pixmap.setDevicePixelRatio(ratio);
    drag->setPixmap(pixmap);
    drag->setHotSpot(QPoint(DragIconSize / 2, DragIconSize / 2));
    drag->exec(Qt::CopyAction, Qt::CopyAction);
}

} // namespace Internal

PalettePanel::PalettePanel(QWidget *parent)
    : QWidget(parent)
    , m_search(new QLineEdit(this))
    , m_list(new Internal::PaletteList(this))
{
    m_search->setObjectName(QStringLiteral("paletteSearch"));
    m_search->setPlaceholderText(tr("Search (lb, haproxy, db…)"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);
    m_list->setObjectName(QStringLiteral("paletteList"));

    for (NodeKind kind : allNodeKinds()) {
        auto *item = new QListWidgetItem(KindText::title(kind), m_list);
        item->setData(KindRole, int(kind));
        item->setToolTip(tr("<b>%1</b><br>%2<br><i>Drag onto the canvas, or double-click to "
                            "add it in the middle of the view.</i>")
                             .arg(KindText::title(kind), KindText::description(kind)));
        item->setSizeHint(QSize(0, ListIconSize + 10));
    }
    updateIcons();
    // Current (what Enter adds) without the highlight of a selection.
    m_list->setCurrentRow(0, QItemSelectionModel::NoUpdate);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);
    layout->addWidget(m_search);
    layout->addWidget(m_list, 1);
    auto *hint = new QLabel(tr("Drag onto the canvas, or double-click to add."), this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(hint);

    connect(m_search, &QLineEdit::textChanged, this, &PalettePanel::applyFilter);
    connect(m_list, &QListWidget::itemActivated, this, &PalettePanel::requestAdd);
}

QList<NodeKind> PalettePanel::visibleKinds() const
{
    QList<NodeKind> kinds;
    for (int row = 0; row < m_list->count(); ++row) {
        if (!m_list->item(row)->isHidden())
            kinds.append(Internal::PaletteList::kindOf(m_list->item(row)));
    }
    return kinds;
}

QMimeData *PalettePanel::mimeDataFor(NodeKind kind)
{
    auto *data = new QMimeData;
    data->setData(QString::fromLatin1(kNodeKindMimeType), nodeKindId(kind).toUtf8());
    data->setText(nodeKindId(kind));
    return data;
}

void PalettePanel::applyFilter(const QString &text)
{
    QListWidgetItem *firstVisible = nullptr;
    for (int row = 0; row < m_list->count(); ++row) {
        QListWidgetItem *item = m_list->item(row);
        const bool visible = KindText::matches(Internal::PaletteList::kindOf(item), text);
        item->setHidden(!visible);
        if (visible && !firstVisible)
            firstVisible = item;
    }
    // Enter in the search field adds the entry that stays current.
    // While searching, the highlighted match is what Enter adds.
    QListWidgetItem *current = m_list->currentItem();
    if (!current || current->isHidden())
        current = firstVisible;
    m_list->setCurrentItem(current, text.isEmpty() ? QItemSelectionModel::Clear
                                                   : QItemSelectionModel::ClearAndSelect);
}

void PalettePanel::requestAdd(QListWidgetItem *item)
{
    if (item && !item->isHidden())
        emit addRequested(Internal::PaletteList::kindOf(item));
}

bool PalettePanel::eventFilter(QObject *watched, QEvent *event)
{
    // From the search field, Up/Down walk the list and Enter adds the
    // current entry, so a kind is found and added without the mouse.
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        switch (key->key()) {
        case Qt::Key_Down:
        case Qt::Key_Up:
        case Qt::Key_PageDown:
        case Qt::Key_PageUp:
            QCoreApplication::sendEvent(m_list, event);
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            requestAdd(m_list->currentItem());
            return true;
        case Qt::Key_Escape:
            if (!m_search->text().isEmpty()) {
                m_search->clear();
                return true;
            }
            break;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PalettePanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        updateIcons();
    QWidget::changeEvent(event);
}

void PalettePanel::updateIcons()
{
    const bool dark = isDark(palette());
    const qreal ratio = devicePixelRatioF();
    for (int row = 0; row < m_list->count(); ++row) {
        QListWidgetItem *item = m_list->item(row);
        const NodeKind kind = Internal::PaletteList::kindOf(item);
        QPixmap pixmap = Icons::kindPixmap(kind, qRound(ListIconSize * ratio),
                                           DiagramStyle::accent(kind, dark));
        pixmap.setDevicePixelRatio(ratio);
        // On the selection highlight the accent would be hard to see.
        QPixmap selected = Icons::kindPixmap(kind, qRound(ListIconSize * ratio),
                                             palette().color(QPalette::HighlightedText));
        selected.setDevicePixelRatio(ratio);
        QIcon icon(pixmap);
        icon.addPixmap(selected, QIcon::Selected);
        item->setIcon(icon);
    }
}

} // namespace Loadstar::Ui
