#include "TlsIdentity.h"

#include <QFile>
#include <QFileInfo>
#include <QHostAddress>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace Loadstar::Engine {

namespace {

// A PEM file is small; anything larger is not one, and is not read whole.
constexpr qint64 MaxPemBytes = 1024 * 1024;

template<typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

BioPtr readBio(const QByteArray &bytes)
{
    return BioPtr(BIO_new_mem_buf(bytes.constData(), int(bytes.size())));
}

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, qsizetype(size));
}

// A PEM key is never decrypted here: the callback refuses to give a passphrase.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

bool addExtension(X509 *certificate, int nid, const QByteArray &value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    const ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.constData()));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

QByteArray subjectAltNames(const QStringList &hosts)
{
    QStringList names;
    for (const QString &host : hosts) {
        const QHostAddress address(host);
        QString entry;
        if (address.isNull())
            entry = QStringLiteral("DNS:") + host;
        else if (address != QHostAddress::AnyIPv4 && address != QHostAddress::AnyIPv6)
            entry = QStringLiteral("IP:") + address.toString();
        if (!entry.isEmpty() && !names.contains(entry))
            names.append(entry);
    }
    return names.join(QLatin1Char(',')).toUtf8();
}

// What is wrong with a certificate and key in PEM, before a file is named.
enum class PemProblem { None, NoCertificate, NoKey, EncryptedKey, UnsupportedKey, KeyMismatch };

std::optional<QSsl::KeyAlgorithm> qtAlgorithm(const EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return QSsl::Rsa;
    case EVP_PKEY_EC: return QSsl::Ec;
    case EVP_PKEY_DSA: return QSsl::Dsa;
    default: return std::nullopt;
    }
}

std::optional<TlsIdentity> identityFromPem(const PemPair &pem, PemProblem &problem)
{
    TlsIdentity identity;
    identity.chain = QSslCertificate::fromData(pem.certificate, QSsl::Pem);
    const BioPtr certificateBio = readBio(pem.certificate);
    const X509Ptr certificate(PEM_read_bio_X509(certificateBio.get(), nullptr, nullptr, nullptr));
    if (identity.chain.isEmpty() || !certificate) {
        problem = PemProblem::NoCertificate;
        return std::nullopt;
    }
    const QByteArray &keyText = pem.key.isEmpty() ? pem.certificate : pem.key;
    const BioPtr keyBio = readBio(keyText);
    const KeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr));
    if (!key) {
        problem = keyText.contains("ENCRYPTED") ? PemProblem::EncryptedKey : PemProblem::NoKey;
        return std::nullopt;
    }
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        problem = PemProblem::KeyMismatch;
        return std::nullopt;
    }
    const std::optional<QSsl::KeyAlgorithm> algorithm = qtAlgorithm(key.get());
    // Qt reads the key as PKCS#8 text, whatever form the file had.
    const BioPtr out(BIO_new(BIO_s_mem()));
    if (!algorithm || PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        problem = PemProblem::UnsupportedKey;
        return std::nullopt;
    }
    identity.key = QSslKey(bioBytes(out.get()), *algorithm, QSsl::Pem, QSsl::PrivateKey);
    if (identity.key.isNull()) {
        problem = PemProblem::UnsupportedKey;
        return std::nullopt;
    }
    problem = PemProblem::None;
    return identity;
}

// The whole file, or nothing with the reason ("No such file or directory").
std::optional<QByteArray> readPemFile(const QString &path, QString &reason)
{
    const QFileInfo info(path);
    if (info.isDir()) {
        reason = QStringLiteral("it is a folder, not a file");
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        reason = file.errorString();
        return std::nullopt;
    }
    QByteArray bytes = file.read(MaxPemBytes + 1);
    if (bytes.size() > MaxPemBytes) {
        reason = QStringLiteral("it is larger than 1 MiB, too large for a PEM file");
        return std::nullopt;
    }
    return bytes;
}

} // namespace

std::optional<PemPair> makeSelfSignedCertificate(const QString &commonName, const QStringList &hosts, int days,
                                                 QString *error)
{
    const auto fail = [error](const QString &what) -> std::optional<PemPair> {
        if (error)
            *error = QStringLiteral("OpenSSL could not %1").arg(what);
        return std::nullopt;
    };
    const KeyPtr key(EVP_EC_gen("P-256"));
    if (!key)
        return fail(QStringLiteral("make an EC P-256 key"));
    const X509Ptr certificate(X509_new());
    const BignumPtr serial(BN_new());
    if (!certificate || !serial || X509_set_version(certificate.get(), X509_VERSION_3) != 1
        || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get()))) {
        return fail(QStringLiteral("start a certificate"));
    }
    // A minute back, so a client whose clock is a little behind accepts it.
    if (!X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60)
        || !X509_time_adj_ex(X509_getm_notAfter(certificate.get()), days, 0, nullptr)) {
        return fail(QStringLiteral("set the certificate's validity"));
    }
    X509_NAME *name = X509_get_subject_name(certificate.get());
    const QByteArray cn = commonName.toUtf8();
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(cn.constData()),
                                   int(cn.size()), -1, 0) != 1
        || X509_set_issuer_name(certificate.get(), name) != 1 || X509_set_pubkey(certificate.get(), key.get()) != 1) {
        return fail(QStringLiteral("name the certificate “%1”").arg(commonName));
    }
    const QByteArray altNames = subjectAltNames(hosts);
    if (!addExtension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(certificate.get(), NID_ext_key_usage, "serverAuth")
        || !addExtension(certificate.get(), NID_subject_key_identifier, "hash")
        || (!altNames.isEmpty() && !addExtension(certificate.get(), NID_subject_alt_name, altNames))) {
        return fail(QStringLiteral("add the certificate's extensions (%1)").arg(QString::fromUtf8(altNames)));
    }
    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0)
        return fail(QStringLiteral("sign the certificate"));
    const BioPtr certificateOut(BIO_new(BIO_s_mem()));
    const BioPtr keyOut(BIO_new(BIO_s_mem()));
    if (PEM_write_bio_X509(certificateOut.get(), certificate.get()) != 1
        || PEM_write_bio_PrivateKey(keyOut.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return fail(QStringLiteral("write the certificate as PEM"));
    }
    return PemPair{bioBytes(certificateOut.get()), bioBytes(keyOut.get())};
}

std::optional<TlsIdentity> tlsIdentityFromPem(const PemPair &pem, QString *error)
{
    PemProblem problem = PemProblem::None;
    std::optional<TlsIdentity> identity = identityFromPem(pem, problem);
    if (!identity && error) {
        switch (problem) {
        case PemProblem::NoCertificate: *error = QStringLiteral("there is no PEM certificate"); break;
        case PemProblem::NoKey: *error = QStringLiteral("there is no PEM private key"); break;
        case PemProblem::EncryptedKey: *error = QStringLiteral("the private key is protected by a passphrase"); break;
        case PemProblem::UnsupportedKey: *error = QStringLiteral("the private key is neither RSA, EC nor DSA"); break;
        case PemProblem::KeyMismatch: *error = QStringLiteral("the private key does not belong to the certificate"); break;
        case PemProblem::None: break;
        }
    }
    return identity;
}

std::optional<TlsIdentity> loadTlsIdentity(const QString &owner, const QString &certificatePath,
                                           const QString &keyPath, QString *error)
{
    const auto fail = [&](const QString &sentence) -> std::optional<TlsIdentity> {
        if (error)
            *error = QStringLiteral("%1: %2").arg(owner, sentence);
        return std::nullopt;
    };
    QString reason;
    PemPair pem;
    if (const auto bytes = readPemFile(certificatePath, reason))
        pem.certificate = *bytes;
    else
        return fail(QStringLiteral("can't read the TLS certificate %1: %2").arg(certificatePath, reason));
    if (!keyPath.isEmpty()) {
        if (const auto bytes = readPemFile(keyPath, reason))
            pem.key = *bytes;
        else
            return fail(QStringLiteral("can't read the TLS key %1: %2").arg(keyPath, reason));
    }
    const QString keyFile = keyPath.isEmpty() ? certificatePath : keyPath;
    PemProblem problem = PemProblem::None;
    std::optional<TlsIdentity> identity = identityFromPem(pem, problem);
    switch (problem) {
    case PemProblem::None:
        return identity;
    case PemProblem::NoCertificate:
        return fail(QStringLiteral("the TLS certificate %1 is not a PEM certificate: choose a file that starts with “-----BEGIN CERTIFICATE-----”")
                        .arg(certificatePath));
    case PemProblem::NoKey:
        if (keyPath.isEmpty()) {
            return fail(QStringLiteral("the TLS certificate %1 holds no private key: choose the key file as “Private key”")
                            .arg(certificatePath));
        }
        return fail(QStringLiteral("the TLS key %1 is not a PEM private key: choose the key made with the certificate")
                        .arg(keyFile));
    case PemProblem::EncryptedKey:
        return fail(QStringLiteral("the TLS key %1 is protected by a passphrase: choose a key without one (openssl pkey -in KEY -out PLAIN.key)")
                        .arg(keyFile));
    case PemProblem::UnsupportedKey:
        return fail(QStringLiteral("the TLS key %1 is neither RSA, EC nor DSA: choose an RSA or EC key").arg(keyFile));
    case PemProblem::KeyMismatch:
        return fail(QStringLiteral("the TLS key %1 does not belong to the certificate %2: choose the key the certificate was made for")
                        .arg(keyFile, certificatePath));
    }
    return std::nullopt;
}

bool writePemPair(const PemPair &pem, const QString &certificatePath, const QString &keyPath, QString *error)
{
    const auto write = [error](const QString &path, const QByteArray &bytes, QFileDevice::Permissions permissions) {
        QFile file(path);
        // The permissions apply to a new file; an existing one is narrowed
        // before the key is written into it.
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate, permissions) || !file.setPermissions(permissions)
            || file.write(bytes) != bytes.size() || !file.flush()) {
            if (error)
                *error = QStringLiteral("Can't write %1: %2").arg(path, file.errorString());
            return false;
        }
        return true;
    };
    return write(certificatePath, pem.certificate,
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther)
           && write(keyPath, pem.key, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

} // namespace Loadstar::Engine
