#include "Overlays.h"

#include "DiagramScene.h"
#include "DiagramStyle.h"

#include <QFontMetricsF>
#include <QPainter>

namespace Loadstar::Ui {

namespace {

QFont hintFont()
{
    QFont font = DiagramStyle::detailFont();
    font.setPixelSize(12);
    return font;
}

} // namespace

HintItem::HintItem()
{
    setFlag(ItemIgnoresTransformations);
    setZValue(10.0);
    setAcceptedMouseButtons(Qt::NoButton);
}

void HintItem::setHint(const QString &text, bool refusal)
{
    prepareGeometryChange();
    m_text = text;
    m_refusal = refusal;
    const QFontMetricsF metrics(hintFont());
    m_rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 14.0, metrics.height() + 8.0);
    update();
}

QRectF HintItem::boundingRect() const
{
    return m_rect.adjusted(-1, -1, 1, 1);
}

void HintItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    if (m_text.isEmpty())
        return;
    const auto *diagram = qobject_cast<const DiagramScene *>(scene());
    const DiagramStyle::Colors colors
        = diagram ? diagram->colors() : DiagramStyle::Colors::fromPalette(QPalette());
    const QColor accent = m_refusal ? colors.refused : colors.accepted;
    painter->setPen(QPen(accent, 1.0));
    painter->setBrush(colors.card);
    painter->drawRoundedRect(m_rect.adjusted(0.5, 0.5, -0.5, -0.5), 4.0, 4.0);
    painter->setPen(m_refusal ? colors.refused : colors.text);
    painter->setFont(hintFont());
    painter->drawText(m_rect, Qt::AlignCenter, m_text);
}

} // namespace Loadstar::Ui
