#include "PropertiesPanel.h"

#include "KindText.h"
#include "document/Commands.h"
#include "document/Document.h"
#include "engine/tls/TlsIdentity.h"
#include "engine/tls/TlsOffload.h"
#include "model/Validator.h"
#include "ui/Icons.h"
#include "ui/diagram/DiagramStyle.h"

#include <algorithm>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QStackedWidget>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QUndoCommand>
#include <QVBoxLayout>

#include <limits>

namespace Loadstar::Ui {

namespace {

const QString NameKey = QStringLiteral("name");

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor errorColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xff, 0x8a, 0x80) : QColor(0xc6, 0x28, 0x28);
}

QColor mutedColor(const QPalette &palette)
{
    return DiagramStyle::mix(palette.color(QPalette::WindowText), palette.color(QPalette::Window),
                             0.4);
}

// Two kinds share a property when a value of one fits the other as is.
bool sameShape(const PropertySpec &a, const PropertySpec &b)
{
    return a.key == b.key && a.type == b.type && a.minimum == b.minimum && a.maximum == b.maximum
           && a.choices == b.choices;
}

QString mixedText()
{
    return PropertiesPanel::tr("(mixed)");
}

// What the user typed into a text field: a line edit or a lines editor.
QString editedText(const QWidget *editor, const QLineEdit *line)
{
    if (const auto *lines = qobject_cast<const QPlainTextEdit *>(editor))
        return lines->toPlainText();
    return line->text();
}

} // namespace

namespace Internal {

NumberBox::NumberBox(const PropertySpec &spec, QWidget *parent)
    : QSpinBox(parent)
    , m_spec(spec)
{
    setRange(int(std::max<qint64>(spec.minimum, std::numeric_limits<int>::min())),
             int(std::min<qint64>(spec.maximum, std::numeric_limits<int>::max())));
    setKeyboardTracking(false);
    setCorrectionMode(QAbstractSpinBox::CorrectToPreviousValue);
    setAccelerated(true);
    lineEdit()->setPlaceholderText(mixedText());
}

void NumberBox::showMixed()
{
    clear();
}

QValidator::State NumberBox::validate(QString &text, int &pos) const
{
    Q_UNUSED(pos);
    if (text.trimmed().isEmpty())
        return QValidator::Intermediate;
    return PropertySchema::convert(m_spec, text).error.isEmpty() ? QValidator::Acceptable
                                                                 : QValidator::Intermediate;
}

void NumberBox::fixup(QString &text) const
{
    // Nothing is guessed: text that does not convert goes back to the value.
    Q_UNUSED(text);
}

int NumberBox::valueFromText(const QString &text) const
{
    return PropertySchema::convert(m_spec, text).value.toInt();
}

QString NumberBox::textFromValue(int value) const
{
    return QString::number(value);
}

LinesEdit::LinesEdit(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabChangesFocus(true);
    // A few lines high: the lines of one section, not a whole file.
    const QMargins margins = contentsMargins();
    setFixedHeight(fontMetrics().lineSpacing() * 4 + int(document()->documentMargin() * 2) + margins.top()
                   + margins.bottom());
}

void LinesEdit::focusOutEvent(QFocusEvent *event)
{
    QPlainTextEdit::focusOutEvent(event);
    emit editingFinished();
}

void LinesEdit::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && event->modifiers().testFlag(Qt::ControlModifier)) {
        emit editingFinished();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace Internal

PropertiesPanel::PropertiesPanel(QWidget *parent)
    : QWidget(parent)
    , m_pages(new QStackedWidget(this))
    , m_summaryPage(new QWidget(this))
    , m_summaryTitle(new QLabel(m_summaryPage))
    , m_summaryCounts(new QLabel(m_summaryPage))
    , m_problemsHeading(new QLabel(m_summaryPage))
    , m_problems(new QListWidget(m_summaryPage))
    , m_scroll(new QScrollArea(this))
    , m_updateTimer(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);

    // Nothing selected: what the document is and what is wrong with it.
    m_summaryTitle->setObjectName(QStringLiteral("summaryTitle"));
    QFont titleFont = m_summaryTitle->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_summaryTitle->setFont(titleFont);
    m_summaryTitle->setWordWrap(true);
    m_summaryCounts->setObjectName(QStringLiteral("summaryCounts"));
    m_summaryCounts->setWordWrap(true);
    QFont headingFont = font();
    headingFont.setBold(true);
    m_problemsHeading->setFont(headingFont);
    m_problems->setObjectName(QStringLiteral("problemList"));
    m_problems->setWordWrap(true);
    m_problems->setTextElideMode(Qt::ElideNone);
    m_problems->setFrameShape(QFrame::NoFrame);
    m_problems->setSelectionMode(QAbstractItemView::SingleSelection);
    m_problems->setSpacing(3);
    m_problems->setIconSize(QSize(16, 16));
    connect(m_problems, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        QList<NodeId> nodes;
        for (const QVariant &id : item->data(Qt::UserRole).toList())
            nodes.append(id.value<NodeId>());
        if (!nodes.isEmpty())
            emit nodesActivated(nodes);
    });
    auto *hint = new QLabel(tr("Select a node on the canvas to see and edit its properties."),
                            m_summaryPage);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto *summaryLayout = new QVBoxLayout(m_summaryPage);
    summaryLayout->setContentsMargins(10, 10, 10, 10);
    summaryLayout->setSpacing(6);
    summaryLayout->addWidget(m_summaryTitle);
    summaryLayout->addWidget(m_summaryCounts);
    summaryLayout->addWidget(hint);
    summaryLayout->addSpacing(8);
    summaryLayout->addWidget(m_problemsHeading);
    summaryLayout->addWidget(m_problems);
    summaryLayout->addStretch();
    m_pages->addWidget(m_summaryPage);

    m_scroll->setObjectName(QStringLiteral("propertiesScroll"));
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_pages->addWidget(m_scroll);

    // Document signals come in bursts (a multi-node edit, a removal that
    // signals before it happens): the panel catches up once they are done.
    m_updateTimer->setSingleShot(true);
    m_updateTimer->setInterval(0);
    connect(m_updateTimer, &QTimer::timeout, this, &PropertiesPanel::updateNow);

    rebuild();
}

PropertiesPanel::~PropertiesPanel()
{
    // An editor that loses focus while it is destroyed emits editingFinished;
    // by then this panel is half gone, so no editor may call back into it.
    const auto editors = findChildren<QWidget *>();
    for (QWidget *editor : editors)
        editor->disconnect(this);
}

void PropertiesPanel::setDocument(Document *document)
{
    if (m_document == document)
        return;
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    m_selection.clear();
    if (document) {
        connect(document, &Document::nodeChanged, this, [this](NodeId id) {
            if (m_selection.isEmpty() || m_selection.contains(id))
                scheduleUpdate();
        });
        connect(document, &Document::nodeAdded, this, &PropertiesPanel::scheduleUpdate);
        connect(document, &Document::nodeAboutToBeRemoved, this, [this](NodeId id) {
            if (m_selection.removeAll(id) > 0)
                m_rebuildPending = true;
            scheduleUpdate();
        });
        connect(document, &Document::linkAdded, this, &PropertiesPanel::scheduleUpdate);
        connect(document, &Document::linkAboutToBeRemoved, this, &PropertiesPanel::scheduleUpdate);
        connect(document, &Document::filePathChanged, this, &PropertiesPanel::scheduleUpdate);
        connect(document, &Document::topologyReset, this, [this] {
            m_selection.clear();
            m_rebuildPending = true;
            scheduleUpdate();
        });
    }
    rebuild();
}

void PropertiesPanel::setSelection(const QList<NodeId> &nodes)
{
    QList<NodeId> known;
    if (m_document) {
        for (NodeId id : nodes) {
            if (m_document->topology().node(id) && !known.contains(id))
                known.append(id);
        }
    }
    // std::equal, not QList::operator==: Qt 6.4's compares empty lists with
    // memcmp(nullptr, …), which UBSan rightly reports.
    if (std::equal(known.cbegin(), known.cend(), m_selection.cbegin(), m_selection.cend()))
        return;
    m_selection = known;
    rebuild();
}

QList<const Node *> PropertiesPanel::selectedNodes() const
{
    QList<const Node *> nodes;
    if (!m_document)
        return nodes;
    for (NodeId id : m_selection) {
        if (const Node *node = m_document->topology().node(id))
            nodes.append(node);
    }
    return nodes;
}

QList<PropertySpec> PropertiesPanel::sharedSpecs(const QList<const Node *> &nodes) const
{
    QList<PropertySpec> specs;
    if (nodes.isEmpty())
        return specs;
    for (const PropertySpec &spec : PropertySchema::forKind(nodes.first()->kind)) {
        bool shared = true;
        for (const Node *node : nodes) {
            const PropertySpec *other = PropertySchema::find(node->kind, spec.key);
            if (!other || !sameShape(spec, *other)) {
                shared = false;
                break;
            }
        }
        if (shared)
            specs.append(spec);
    }
    return specs;
}

void PropertiesPanel::scheduleUpdate()
{
    m_updateTimer->start();
}

void PropertiesPanel::updateNow()
{
    if (m_rebuildPending) {
        rebuild();
        return;
    }
    if (m_selection.isEmpty())
        updateSummary();
    else
        refreshValues();
}

void PropertiesPanel::rebuild()
{
    m_rebuildPending = false;
    m_updateTimer->stop();

    // The old editors go quietly: a focused one losing focus must not edit
    // the nodes of a selection that is no longer shown.
    if (QWidget *old = m_scroll->takeWidget()) {
        for (QObject *child : old->findChildren<QObject *>())
            disconnect(child, nullptr, this, nullptr);
        old->hide();
        old->deleteLater();
    }
    m_form = nullptr;
    m_nameEdit = nullptr;
    m_nameMessage = nullptr;
    m_nameDirty = false;
    m_fields.clear();

    const QList<const Node *> nodes = selectedNodes();
    if (nodes.isEmpty()) {
        m_pages->setCurrentWidget(m_summaryPage);
        updateSummary();
        return;
    }

    m_form = new QWidget;
    m_form->setObjectName(QStringLiteral("propertiesForm"));
    auto *grid = new QGridLayout(m_form);
    grid->setContentsMargins(10, 10, 10, 10);
    grid->setHorizontalSpacing(8);
    grid->setVerticalSpacing(4);
    grid->setColumnStretch(1, 1);
    int row = 0;
    buildHeader(grid, row, nodes);
    if (nodes.size() == 1)
        buildNameRow(grid, row, *nodes.first());

    const QList<PropertySpec> specs = sharedSpecs(nodes);
    QStringList groups;
    for (const PropertySpec &spec : specs) {
        if (!groups.contains(spec.group))
            groups.append(spec.group);
    }
    m_fields.reserve(size_t(specs.size()));
    QFont headingFont = font();
    headingFont.setBold(true);
    for (const QString &group : groups) {
        auto *heading = new QLabel(group, m_form);
        heading->setFont(headingFont);
        heading->setContentsMargins(0, 12, 0, 2);
        grid->addWidget(heading, row++, 0, 1, 3);
        for (const PropertySpec &spec : specs) {
            if (spec.group != group)
                continue;
            buildField(grid, row, spec);
            if (spec.key == QLatin1String("tls_key") && nodes.size() == 1)
                buildCertificateRow(grid, row);
        }
    }
    if (specs.isEmpty()) {
        auto *none = new QLabel(tr("These nodes have no properties in common."), m_form);
        none->setWordWrap(true);
        none->setForegroundRole(QPalette::PlaceholderText);
        grid->addWidget(none, row++, 0, 1, 3);
    }
    grid->setRowStretch(row, 1);

    m_scroll->setWidget(m_form);
    m_pages->setCurrentWidget(m_scroll);
    refreshValues();
}

void PropertiesPanel::buildHeader(QGridLayout *grid, int &row, const QList<const Node *> &nodes)
{
    const NodeKind kind = nodes.first()->kind;
    bool oneKind = true;
    QStringList kindNames;
    for (const Node *node : nodes) {
        oneKind = oneKind && node->kind == kind;
        if (!kindNames.contains(nodeKindName(node->kind)))
            kindNames.append(nodeKindName(node->kind));
    }

    auto *header = new QWidget(m_form);
    auto *layout = new QHBoxLayout(header);
    layout->setContentsMargins(0, 0, 0, 6);
    layout->setSpacing(8);
    if (oneKind) {
        auto *icon = new QLabel(header);
        const qreal ratio = devicePixelRatioF();
        QPixmap pixmap = Icons::kindPixmap(kind, qRound(28 * ratio),
                                           DiagramStyle::accent(kind, isDark(palette())));
        pixmap.setDevicePixelRatio(ratio);
        icon->setPixmap(pixmap);
        layout->addWidget(icon);
    }
    auto *texts = new QVBoxLayout;
    texts->setSpacing(0);
    auto *title = new QLabel(header);
    title->setObjectName(QStringLiteral("propertiesTitle"));
    QFont titleFont = title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    title->setFont(titleFont);
    auto *subtitle = new QLabel(header);
    subtitle->setObjectName(QStringLiteral("propertiesSubtitle"));
    subtitle->setWordWrap(true);
    QPalette muted = subtitle->palette();
    muted.setColor(QPalette::WindowText, mutedColor(palette()));
    subtitle->setPalette(muted);
    if (nodes.size() == 1) {
        title->setText(KindText::title(kind));
        subtitle->setText(KindText::description(kind));
    } else if (oneKind) {
        title->setText(tr("%1 × %2").arg(nodes.size()).arg(KindText::title(kind)));
        subtitle->setText(tr("A change applies to all %1.").arg(nodes.size()));
    } else {
        title->setText(tr("%1 nodes").arg(nodes.size()));
        subtitle->setText(tr("%1: only the properties they share are shown; a change applies "
                             "to all of them.")
                              .arg(kindNames.join(QStringLiteral(", "))));
    }
    texts->addWidget(title);
    texts->addWidget(subtitle);
    layout->addLayout(texts, 1);
    grid->addWidget(header, row++, 0, 1, 3);
}

void PropertiesPanel::buildNameRow(QGridLayout *grid, int &row, const Node &node)
{
    auto *label = new QLabel(tr("Name"), m_form);
    m_nameEdit = new QLineEdit(m_form);
    m_nameEdit->setObjectName(QStringLiteral("property:name"));
    m_nameEdit->setToolTip(tr("Unique name of the node: letters, digits, “-”, “_”, “.” and “:”"));
    m_nameEdit->setText(node.name);
    label->setBuddy(m_nameEdit);
    m_nameMessage = new QLabel(m_form);
    m_nameMessage->setObjectName(QStringLiteral("message:name"));
    m_nameMessage->setWordWrap(true);
    m_nameMessage->hide();
    grid->addWidget(label, row, 0);
    grid->addWidget(m_nameEdit, row++, 1);
    grid->addWidget(m_nameMessage, row++, 0, 1, 3);
    m_nameEdit->installEventFilter(this);
    connect(m_nameEdit, &QLineEdit::textEdited, this, &PropertiesPanel::nameTyped);
    connect(m_nameEdit, &QLineEdit::editingFinished, this, &PropertiesPanel::nameFinished);
}

void PropertiesPanel::buildField(QGridLayout *grid, int &row, const PropertySpec &spec)
{
    m_fields.push_back(Field{});
    Field &field = m_fields.back();
    field.spec = spec;
    QWidget *trailing = createEditor(field);
    field.editor->setObjectName(QStringLiteral("property:%1").arg(spec.key));
    field.editor->setToolTip(spec.help);
    field.editor->installEventFilter(this);
    if (field.line && field.line != field.editor)
        field.line->installEventFilter(this);
    // The wheel scrolls the panel; it changes a value only in the focused field.
    if (qobject_cast<QAbstractSpinBox *>(field.editor) || qobject_cast<QComboBox *>(field.editor))
        field.editor->setFocusPolicy(Qt::StrongFocus);

    auto *label = new QLabel(spec.label, m_form);
    label->setToolTip(spec.help);
    label->setBuddy(field.editor);
    field.message = new QLabel(m_form);
    field.message->setObjectName(QStringLiteral("message:%1").arg(spec.key));
    field.message->setWordWrap(true);
    field.message->hide();
    grid->addWidget(label, row, 0);
    grid->addWidget(field.editor, row, 1);
    if (trailing)
        grid->addWidget(trailing, row, 2);
    ++row;
    grid->addWidget(field.message, row++, 0, 1, 3);
}

QWidget *PropertiesPanel::createEditor(Field &field)
{
    const PropertySpec &spec = field.spec;
    switch (spec.type) {
    case PropertyType::Integer:
    case PropertyType::Port:
    case PropertyType::Duration: {
        auto *box = new Internal::NumberBox(spec, m_form);
        field.editor = box;
        field.line = box->editor();
        connect(box->editor(), &QLineEdit::textEdited, this, [this, box](const QString &text) {
            if (Field *f = fieldFor(box))
                typed(*f, text);
        });
        connect(box, &QSpinBox::valueChanged, this, [this, box](int value) {
            Field *f = fieldFor(box);
            // Typed text that does not convert is put back, not committed.
            if (f && f->liveError.isEmpty())
                commit(*f, value);
        });
        connect(box, &QAbstractSpinBox::editingFinished, this, [this, box] {
            if (Field *f = fieldFor(box))
                finished(*f);
        });
        return spec.type == PropertyType::Duration ? new QLabel(tr("ms"), m_form) : nullptr;
    }
    case PropertyType::Boolean: {
        auto *check = new QCheckBox(m_form);
        field.editor = check;
        connect(check, &QCheckBox::clicked, this, [this, check] {
            Field *f = fieldFor(check);
            if (!f)
                return;
            // A click on "(mixed)" decides for all: checked.
            check->setTristate(false);
            commit(*f, check->checkState() != Qt::Unchecked);
        });
        return nullptr;
    }
    case PropertyType::Choice: {
        auto *combo = new QComboBox(m_form);
        combo->addItems(spec.choices);
        combo->setPlaceholderText(mixedText());
        field.editor = combo;
        connect(combo, &QComboBox::activated, this, [this, combo](int index) {
            if (Field *f = fieldFor(combo); f && index >= 0)
                commit(*f, combo->itemText(index));
        });
        return nullptr;
    }
    case PropertyType::Lines: {
        auto *lines = new Internal::LinesEdit(m_form);
        field.editor = lines;
        connect(lines, &QPlainTextEdit::textChanged, this, [this, lines] {
            if (Field *f = fieldFor(lines))
                typed(*f, lines->toPlainText());
        });
        connect(lines, &Internal::LinesEdit::editingFinished, this, [this, lines] {
            if (Field *f = fieldFor(lines))
                finished(*f);
        });
        return nullptr;
    }
    case PropertyType::Text:
    case PropertyType::Address:
    case PropertyType::OptionalAddress:
    case PropertyType::HttpPath:
    case PropertyType::StatusRange:
    case PropertyType::CidrList:
    case PropertyType::HttpUrl:
    case PropertyType::FilePath: {
        auto *line = new QLineEdit(m_form);
        field.editor = line;
        field.line = line;
        connect(line, &QLineEdit::textEdited, this, [this, line](const QString &text) {
            if (Field *f = fieldFor(line))
                typed(*f, text);
        });
        connect(line, &QLineEdit::editingFinished, this, [this, line] {
            if (Field *f = fieldFor(line))
                finished(*f);
        });
        if (spec.type != PropertyType::FilePath)
            return nullptr;
        auto *browse = new QToolButton(m_form);
        browse->setText(QStringLiteral("…"));
        browse->setObjectName(QStringLiteral("browse:%1").arg(spec.key));
        browse->setToolTip(tr("Choose a file for %1").arg(spec.label.toLower()));
        connect(browse, &QToolButton::clicked, this, [this, line] {
            Field *f = fieldFor(line);
            if (!f)
                return;
            const QString current = line->text();
            const QString path = QFileDialog::getOpenFileName(
                this, tr("Choose %1").arg(f->spec.label.toLower()),
                current.isEmpty() ? QString() : QFileInfo(current).absolutePath(),
                tr("PEM files (*.pem *.crt *.key);;All files (*)"));
            // The dialog may have outlived the selection it was opened for.
            if (path.isEmpty() || !(f = fieldFor(line)))
                return;
            line->setText(path);
            commit(*f, path);
        });
        return browse;
    }
    }
    Q_UNREACHABLE();
    return nullptr;
}

void PropertiesPanel::buildCertificateRow(QGridLayout *grid, int &row)
{
    auto *button = new QPushButton(tr("Generate self-signed certificate…"), m_form);
    button->setObjectName(QStringLiteral("generateCertificate"));
    button->setToolTip(tr("Makes a certificate for this load balancer's name and address, valid for a year, "
                          "saves it with its key and turns TLS on with them"));
    grid->addWidget(button, row++, 1, 1, 2, Qt::AlignLeft);
    connect(button, &QPushButton::clicked, this, &PropertiesPanel::generateCertificate);
}

// An EC key and its certificate take milliseconds to make and write: done
// here, without a thread.
void PropertiesPanel::generateCertificate()
{
    const QList<const Node *> nodes = selectedNodes();
    if (nodes.size() != 1 || !m_document)
        return;
    const Node node = *nodes.first();
    UserPrompts *prompts = m_prompts ? m_prompts : &m_dialogs;
    const QString folder = m_document->filePath().isEmpty() ? QDir::homePath()
                                                            : QFileInfo(m_document->filePath()).absolutePath();
    const QString certificate = prompts->askExportPath(
        this, tr("Save the certificate of %1 (its key goes beside it, as .key)").arg(node.name),
        QDir(folder).filePath(node.name + QStringLiteral(".crt")), tr("PEM certificates (*.crt *.pem)"));
    if (certificate.isEmpty())
        return;
    const QFileInfo info(certificate);
    const QString key = info.dir().filePath(info.completeBaseName() + QStringLiteral(".key"));
    QString error;
    const auto pem = Engine::makeSelfSignedCertificate(
        node.name, {node.stringProperty(QStringLiteral("address")), QStringLiteral("localhost")},
        Engine::TlsOffload::SelfSignedDays, &error);
    if (!pem || !Engine::writePemPair(*pem, certificate, key, &error)) {
        prompts->showError(this, tr("Generate Certificate"),
                           tr("The certificate of %1 was not made: %2").arg(node.name, error));
        return;
    }
    // One step: the files, and TLS on with them.
    auto *step = new QUndoCommand(tr("Generate certificate for %1").arg(node.name));
    new SetPropertyCommand(m_document, {node.id}, QStringLiteral("tls_certificate"), certificate, step);
    new SetPropertyCommand(m_document, {node.id}, QStringLiteral("tls_key"), key, step);
    if (!node.boolProperty(QStringLiteral("tls")))
        new SetPropertyCommand(m_document, {node.id}, QStringLiteral("tls"), true, step);
    m_document->undoStack()->push(step);
}

PropertiesPanel::Field *PropertiesPanel::fieldFor(const QObject *editor)
{
    for (Field &field : m_fields) {
        if (field.editor == editor)
            return &field;
    }
    return nullptr;
}

void PropertiesPanel::refreshValues()
{
    const QList<const Node *> nodes = selectedNodes();
    if (nodes.isEmpty())
        return;
    if (m_nameEdit && nodes.size() == 1 && !(m_nameDirty && m_nameEdit->hasFocus())) {
        if (m_nameEdit->text() != nodes.first()->name)
            m_nameEdit->setText(nodes.first()->name);
        m_nameDirty = false;
    }
    for (Field &field : m_fields) {
        // What is being typed stays as typed.
        if (field.dirty && field.editor->hasFocus())
            continue;
        showValue(field);
    }
}

void PropertiesPanel::showValue(Field &field)
{
    const QList<const Node *> nodes = selectedNodes();
    if (nodes.isEmpty())
        return;
    const QVariant value = nodes.first()->property(field.spec.key);
    field.mixed = false;
    for (const Node *node : nodes) {
        if (node->property(field.spec.key) != value) {
            field.mixed = true;
            break;
        }
    }
    field.dirty = false;
    field.liveError.clear();

    const QSignalBlocker blocker(field.editor);
    switch (field.spec.type) {
    case PropertyType::Integer:
    case PropertyType::Port:
    case PropertyType::Duration: {
        auto *box = static_cast<Internal::NumberBox *>(field.editor);
        box->setValue(value.toInt());
        if (field.mixed)
            box->showMixed();
        break;
    }
    case PropertyType::Boolean: {
        auto *check = static_cast<QCheckBox *>(field.editor);
        check->setTristate(field.mixed);
        check->setCheckState(field.mixed      ? Qt::PartiallyChecked
                             : value.toBool() ? Qt::Checked
                                              : Qt::Unchecked);
        check->setText(field.mixed ? mixedText() : QString());
        break;
    }
    case PropertyType::Choice: {
        auto *combo = static_cast<QComboBox *>(field.editor);
        combo->setPlaceholderText(field.mixed ? mixedText() : value.toString());
        combo->setCurrentIndex(field.mixed ? -1 : combo->findText(value.toString()));
        break;
    }
    case PropertyType::Lines: {
        auto *lines = static_cast<QPlainTextEdit *>(field.editor);
        const QString text = field.mixed ? QString() : value.toString();
        if (lines->toPlainText() != text)
            lines->setPlainText(text);
        lines->setPlaceholderText(field.mixed ? mixedText() : field.spec.emptyMeaning);
        break;
    }
    default: {
        auto *line = static_cast<QLineEdit *>(field.editor);
        const QString text
            = field.mixed ? QString() : PropertySchema::displayValue(field.spec, value);
        if (line->text() != text)
            line->setText(text);
        line->setPlaceholderText(field.mixed                                        ? mixedText()
                                 : !field.spec.emptyMeaning.isEmpty()               ? field.spec.emptyMeaning
                                 : field.spec.type == PropertyType::OptionalAddress ? tr("none")
                                 : field.spec.type == PropertyType::FilePath        ? tr("no file")
                                 : field.spec.type == PropertyType::CidrList        ? tr("none")
                                                                                    : QString());
        break;
    }
    }
}

void PropertiesPanel::typed(Field &field, const QString &text)
{
    field.dirty = true;
    if (field.mixed && text.trimmed().isEmpty())
        field.liveError.clear();
    else
        field.liveError = PropertySchema::convert(field.spec, text).error;
    setMessage(field.message, field.liveError);
}

void PropertiesPanel::finished(Field &field)
{
    if (!field.dirty)
        return;
    const QString text = editedText(field.editor, field.line);
    if (field.mixed && text.trimmed().isEmpty()) {
        showValue(field);
        return;
    }
    const QList<const Node *> nodes = selectedNodes();
    if (nodes.isEmpty())
        return;
    if (!field.liveError.isEmpty()) {
        // Not committed: the document keeps its value, and the field shows it.
        const QString error = field.liveError;
        showValue(field);
        const QString kept = field.mixed ? tr("the values stay as they were")
                                         : tr("kept %1").arg(PropertySchema::displayValue(
                                             field.spec, nodes.first()->property(field.spec.key)));
        setMessage(field.message, tr("%1 — %2").arg(error, kept));
        return;
    }
    commit(field, text);
}

void PropertiesPanel::commit(Field &field, const QVariant &raw)
{
    const PropertySchema::Converted converted = PropertySchema::convert(field.spec, raw);
    if (!converted.error.isEmpty()) {
        field.liveError = converted.error;
        setMessage(field.message, converted.error);
        return;
    }
    field.dirty = false;
    field.liveError.clear();
    setMessage(field.message, QString());
    const QList<const Node *> nodes = selectedNodes();
    bool changes = false;
    for (const Node *node : nodes)
        changes = changes || node->property(field.spec.key) != converted.value;
    if (!changes || !m_document) {
        showValue(field);
        return;
    }
    m_document->undoStack()->push(
        new SetPropertyCommand(m_document, m_selection, field.spec.key, converted.value));
}

void PropertiesPanel::setMessage(QLabel *label, const QString &text)
{
    if (!label)
        return;
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, errorColor(this->palette()));
    label->setPalette(palette);
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

QString PropertiesPanel::nameError(const QString &name) const
{
    static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9_.:-]+$"));
    if (name.trimmed().isEmpty())
        return tr("A node needs a name");
    if (!allowed.match(name).hasMatch())
        return tr("“%1”: a name may only contain letters, digits, “-”, “_”, “.” and “:”").arg(name);
    if (m_document && m_selection.size() == 1) {
        const Node *named = m_document->topology().nodeByName(name);
        if (named && named->id != m_selection.first())
            return tr("“%1” is already the name of another node: choose a unique name").arg(name);
    }
    return {};
}

void PropertiesPanel::nameTyped(const QString &text)
{
    m_nameDirty = true;
    m_nameLiveError = nameError(text);
    setMessage(m_nameMessage, m_nameLiveError);
}

void PropertiesPanel::nameFinished()
{
    const QList<const Node *> nodes = selectedNodes();
    if (!m_nameDirty || !m_document || nodes.size() != 1)
        return;
    m_nameDirty = false;
    const QString name = m_nameEdit->text();
    const QString error = nameError(name);
    const Node *node = nodes.first();
    if (!error.isEmpty()) {
        m_nameEdit->setText(node->name);
        setMessage(m_nameMessage, tr("%1 — kept %2").arg(error, node->name));
        return;
    }
    setMessage(m_nameMessage, QString());
    if (name != node->name)
        m_document->undoStack()->push(new RenameNodeCommand(m_document, node->id, name));
}

void PropertiesPanel::updateSummary()
{
    m_problems->clear();
    if (!m_document) {
        m_summaryTitle->setText(tr("No document"));
        m_summaryCounts->clear();
        m_problemsHeading->hide();
        return;
    }
    const Topology &topology = m_document->topology();
    const auto nodes = topology.nodes().size();
    const auto links = topology.links().size();
    m_summaryTitle->setText(m_document->displayName());
    const QString nodeText = nodes == 1 ? tr("1 node") : tr("%1 nodes").arg(nodes);
    const QString linkText = links == 1 ? tr("1 link") : tr("%1 links").arg(links);
    m_summaryCounts->setText(tr("%1, %2").arg(nodeText, linkText));

    const QList<Problem> problems = validate(topology);
    m_problemsHeading->show();
    m_problemsHeading->setText(problems.isEmpty()     ? tr("No problems found")
                               : problems.size() == 1 ? tr("1 problem")
                                                      : tr("%1 problems").arg(problems.size()));
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    for (const Problem &problem : problems) {
        auto *item = new QListWidgetItem(warning, problem.message, m_problems);
        QVariantList ids;
        for (NodeId id : problem.nodes)
            ids.append(QVariant::fromValue(id));
        item->setData(Qt::UserRole, ids);
        item->setData(Qt::UserRole + 1, problem.code);
        item->setToolTip(problem.message);
    }
    // The list takes the height when there is one; otherwise the text stays on top.
    m_problems->setVisible(!problems.isEmpty());
    auto *layout = static_cast<QBoxLayout *>(m_summaryPage->layout());
    layout->setStretchFactor(m_problems, problems.isEmpty() ? 0 : 1);
    layout->setStretch(layout->count() - 1, problems.isEmpty() ? 1 : 0);
}

QWidget *PropertiesPanel::editor(const QString &key) const
{
    if (key == NameKey)
        return m_nameEdit;
    for (const Field &field : m_fields) {
        if (field.spec.key == key)
            return field.editor;
    }
    return nullptr;
}

QString PropertiesPanel::message(const QString &key) const
{
    if (key == NameKey)
        return m_nameMessage && !m_nameMessage->isHidden() ? m_nameMessage->text() : QString();
    for (const Field &field : m_fields) {
        if (field.spec.key == key)
            return field.message->isHidden() ? QString() : field.message->text();
    }
    return {};
}

QStringList PropertiesPanel::problemTexts() const
{
    QStringList texts;
    for (int row = 0; row < m_problems->count(); ++row)
        texts.append(m_problems->item(row)->text());
    return texts;
}

QString PropertiesPanel::summaryText() const
{
    return m_summaryCounts->text();
}

bool PropertiesPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Wheel) {
        auto *widget = qobject_cast<QWidget *>(watched);
        if (widget && !widget->hasFocus()
            && (qobject_cast<QAbstractSpinBox *>(widget) || qobject_cast<QComboBox *>(widget))) {
            QCoreApplication::sendEvent(m_scroll->verticalScrollBar(), event);
            return true;
        }
    }
    // Escape gives up what is being typed: the field shows the document's value.
    if (event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
        if (watched == m_nameEdit && m_nameEdit) {
            const QList<const Node *> nodes = selectedNodes();
            if (nodes.size() == 1)
                m_nameEdit->setText(nodes.first()->name);
            m_nameDirty = false;
            setMessage(m_nameMessage, QString());
            return true;
        }
        for (Field &field : m_fields) {
            const bool typedIn = field.line || field.spec.type == PropertyType::Lines;
            if (typedIn && (watched == field.line || watched == field.editor)) {
                if (!field.dirty)
                    break;
                showValue(field);
                setMessage(field.message, QString());
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PropertiesPanel::changeEvent(QEvent *event)
{
    // Icons and colours follow the palette (light or dark).
    if (event->type() == QEvent::PaletteChange && !m_selection.isEmpty()) {
        m_rebuildPending = true;
        scheduleUpdate();
    }
    QWidget::changeEvent(event);
}

} // namespace Loadstar::Ui
