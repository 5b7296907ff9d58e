#pragma once

#include <QGraphicsItem>

namespace Loadstar::Ui {

// A short message next to the cursor while drawing a link ("http", or why the
// card under the cursor refuses the link). It keeps its size whatever the
// zoom, like a tooltip.
class HintItem final : public QGraphicsItem
{
public:
    enum { Type = UserType + 10 };

    HintItem();

    void setHint(const QString &text, bool refusal);
    QString text() const { return m_text; }
    bool isRefusal() const { return m_refusal; }

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QString m_text;
    bool m_refusal = false;
    QRectF m_rect;
};

} // namespace Loadstar::Ui
