#include "DiagramStyle.h"

#include <QGuiApplication>

namespace Loadstar::Ui::DiagramStyle {

namespace {

QFont pixelFont(int pixelSize, QFont::Weight weight)
{
    QFont font = QGuiApplication::font();
    font.setPixelSize(pixelSize);
    font.setWeight(weight);
    return font;
}

} // namespace

QColor mix(const QColor &a, const QColor &b, qreal amount)
{
    const qreal keep = 1.0 - amount;
    return QColor::fromRgbF(float(a.redF() * keep + b.redF() * amount),
                            float(a.greenF() * keep + b.greenF() * amount),
                            float(a.blueF() * keep + b.blueF() * amount),
                            float(a.alphaF() * keep + b.alphaF() * amount));
}

Colors Colors::fromPalette(const QPalette &palette)
{
    Colors colors;
    const QColor window = palette.color(QPalette::Window);
    const QColor base = palette.color(QPalette::Base);
    colors.text = palette.color(QPalette::Text);
    colors.dark = window.lightnessF() < 0.5;
    if (colors.dark) {
        // Cards a little lighter than the canvas, as if lit from above.
        colors.canvas = mix(window, base, 0.5);
        colors.card = mix(window, colors.text, 0.07);
    } else {
        colors.canvas = mix(window, base, 0.35);
        colors.card = base;
    }
    colors.grid = mix(colors.canvas, colors.text, colors.dark ? 0.16 : 0.2);
    colors.cardBorder = mix(colors.card, colors.text, colors.dark ? 0.28 : 0.22);
    colors.mutedText = mix(colors.text, colors.card, 0.38);
    colors.httpLink = mix(colors.text, colors.canvas, 0.38);
    colors.tcpLink = mix(colors.text, colors.canvas, 0.55);
    colors.replicationLink = accent(NodeKind::Database, colors.dark);
    colors.backup = colors.dark ? QColor(0x6c, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xc4);
    colors.selection = palette.color(QPalette::Highlight);
    colors.guide = colors.dark ? QColor(0xf0, 0x5a, 0xa0) : QColor(0xd6, 0x28, 0x7a);
    colors.accepted = colors.dark ? QColor(0x4c, 0xc3, 0x6e) : QColor(0x1e, 0x8e, 0x3e);
    colors.refused = colors.dark ? QColor(0xf2, 0x6b, 0x5e) : QColor(0xc6, 0x28, 0x28);
    colors.up = colors.accepted;
    colors.goingDown = colors.dark ? QColor(0xe8, 0xc5, 0x3a) : QColor(0xd4, 0xa0, 0x00);
    colors.goingUp = colors.dark ? QColor(0xf0, 0x94, 0x3c) : QColor(0xe0, 0x6a, 0x00);
    colors.down = colors.refused;
    colors.noCheck = mix(colors.text, colors.card, 0.5);
    colors.warning = colors.dark ? QColor(0xe0, 0xb0, 0x5a) : QColor(0x8a, 0x5a, 0x00);
    colors.fault = colors.dark ? QColor(0xf0, 0x8c, 0x3c) : QColor(0xc0, 0x4a, 0x00);
    colors.writes = colors.dark ? QColor(0xb5, 0x9c, 0xf5) : QColor(0x7b, 0x4f, 0xd6);
    return colors;
}

QColor healthColor(const Colors &colors, HealthTone tone, bool backup)
{
    switch (tone) {
    case HealthTone::Up:
        return backup ? colors.backup : colors.up;
    case HealthTone::GoingDown:
        return colors.goingDown;
    case HealthTone::GoingUp:
        return colors.goingUp;
    case HealthTone::Down:
        return colors.down;
    case HealthTone::Neutral:
        break;
    }
    return colors.noCheck;
}

QColor accent(NodeKind kind, bool dark)
{
    QColor color;
    switch (kind) {
    case NodeKind::Client:
        color = QColor(0x52, 0x63, 0x78);
        break;
    case NodeKind::LoadBalancer:
        color = QColor(0x6d, 0x46, 0xc8);
        break;
    case NodeKind::WebServer:
        color = QColor(0x25, 0x66, 0xd6);
        break;
    case NodeKind::AppServer:
        color = QColor(0x0a, 0x7f, 0x7a);
        break;
    case NodeKind::Database:
        color = QColor(0xb3, 0x60, 0x12);
        break;
    case NodeKind::Firewall:
        color = QColor(0xb0, 0x3f, 0x2c);
        break;
    case NodeKind::Monitor:
        color = QColor(0x9a, 0x3f, 0x8c);
        break;
    }
    // Lighter on dark backgrounds so icons keep their contrast.
    return dark ? mix(color, Qt::white, 0.35) : color;
}

QFont nameFont()
{
    return pixelFont(13, QFont::Bold);
}

QFont detailFont()
{
    return pixelFont(11, QFont::Normal);
}

QFont badgeFont()
{
    QFont font = pixelFont(9, QFont::Bold);
    font.setLetterSpacing(QFont::AbsoluteSpacing, 0.4);
    return font;
}

QFont liveFont()
{
    return pixelFont(10, QFont::Normal);
}

QFont linkLabelFont()
{
    return pixelFont(10, QFont::Normal);
}

} // namespace Loadstar::Ui::DiagramStyle
