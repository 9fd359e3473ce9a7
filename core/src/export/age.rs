//! The age file format (age-encryption.org/v1, specified at C2SP), for files protected by a
//! passphrase: what the backups are written in, so the reference `age` tool opens them too.
//!
//! Only the passphrase (scrypt) recipient is built, from the RustCrypto primitives the core
//! already carries (scrypt, HKDF and HMAC over SHA-256, ChaCha20-Poly1305): the `age` crate
//! brought 208 KB to the phone library (its other recipients, its parsers and its messages in
//! seven languages), this module a few. It is checked against the format's own test vectors
//! (C2SP's CCTV, `tests/vectors/age`), the `age` crate and the reference `age` tool.
//!
//! The layout, in short:
//!
//! ```text
//! age-encryption.org/v1
//! -> scrypt <salt, base64> <work factor>      one stanza: the file key, sealed with a key
//! <the sealed file key, base64>               derived from the passphrase by scrypt
//! --- <HMAC-SHA-256 of the header, base64>    keyed by HKDF(file key, "header")
//! <16-byte nonce><chunks>                     64 KiB of plaintext each, ChaCha20-Poly1305 under
//!                                             HKDF(file key, nonce, "payload"); the last marked
//! ```

use std::io::{self, BufRead, Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The first line of every age file of this version.
const INTRO: &str = "age-encryption.org/v1";
/// The scrypt recipient's label, put before the salt.
const SCRYPT_LABEL: &[u8] = b"age-encryption.org/v1/scrypt";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
/// The authentication tag after each chunk.
const TAG: usize = 16;
/// The longest header line read (a stanza's arguments or a body line); longer is not age.
const MAX_LINE: usize = 4096;
/// The most header lines read.
const MAX_LINES: usize = 256;

/// Why an age file cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum AgeError {
    /// The file does not start as an age file of this version.
    #[error("not an age file")]
    NotAge,
    /// An age file, but not protected by a passphrase (it is for other recipients).
    #[error("not protected by a passphrase")]
    NotPassphrase,
    /// The passphrase does not open the file key.
    #[error("the passphrase does not open the file")]
    WrongPassphrase,
    /// The file asks for more scrypt work than allowed.
    #[error("asks for a scrypt work factor of {0}")]
    TooMuchWork(u8),
    /// The header breaks the format, or its MAC does not check out.
    #[error("damaged header ({0})")]
    Header(&'static str),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// One recipient stanza of the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stanza {
    /// The stanza's type and arguments (`["scrypt", salt, work factor]`).
    pub args: Vec<String>,
    /// Its body, decoded.
    pub body: Vec<u8>,
}

/// A parsed header: its stanzas, its MAC and the bytes the MAC covers.
#[derive(Debug)]
pub(crate) struct Header {
    pub stanzas: Vec<Stanza>,
    mac: [u8; 32],
    /// The header from its first byte through `---`.
    covered: Vec<u8>,
}

/// Encrypts to `passphrase` at scrypt work factor `work_factor` (N = 2^work_factor): writes the
/// header now and returns the writer of the plaintext; call [`Writer::finish`] at the end.
///
/// # Errors
/// The output's error, or `Other` when the system gives no randomness or the work factor is
/// out of scrypt's range.
pub fn encrypt<W: Write>(mut out: W, passphrase: &str, work_factor: u8) -> io::Result<Writer<W>> {
    let file_key: [u8; 16] = random()?;
    let salt: [u8; 16] = random()?;
    let nonce: [u8; 16] = random()?;
    let wrap = scrypt_key(passphrase, &salt, work_factor)
        .ok_or_else(|| io::Error::other("scrypt work factor out of range"))?;
    let sealed = ChaCha20Poly1305::new(&wrap)
        .encrypt(&Nonce::default(), file_key.as_slice())
        .map_err(|_| io::Error::other("the file key could not be sealed"))?;
    let mut header = format!(
        "{INTRO}\n-> scrypt {} {work_factor}\n{}\n---",
        B64.encode(salt),
        B64.encode(&sealed)
    );
    let mut mac = header_mac(&file_key).map_err(|_| io::Error::other("header MAC"))?;
    mac.update(header.as_bytes());
    let mac = mac.finalize().into_bytes();
    header.push(' ');
    header.push_str(&B64.encode(mac));
    header.push('\n');
    out.write_all(header.as_bytes())?;
    out.write_all(&nonce)?;
    Ok(Writer {
        out,
        aead: payload_aead(&file_key, &nonce),
        counter: 0,
        buf: Vec::with_capacity(CHUNK),
    })
}

/// Opens a file encrypted to `passphrase`, accepting scrypt work factors up to
/// `max_work_factor`: reads and checks the header (and its MAC) now, and returns the reader of
/// the plaintext, which fails with `InvalidData` on an altered chunk and `UnexpectedEof` on a
/// missing one.
///
/// # Errors
/// See [`AgeError`].
pub fn decrypt<R: BufRead>(
    mut input: R,
    passphrase: &str,
    max_work_factor: u8,
) -> Result<Reader<R>, AgeError> {
    let header = read_header(&mut input)?;
    let file_key = unwrap_scrypt(&header.stanzas, passphrase, max_work_factor)?;
    open_payload(input, &header, &file_key)
}

/// Checks `header`'s MAC with `file_key` and returns the reader of the payload that follows in
/// `input`.
pub(crate) fn open_payload<R: BufRead>(
    mut input: R,
    header: &Header,
    file_key: &[u8; 16],
) -> Result<Reader<R>, AgeError> {
    let mut mac = header_mac(file_key).map_err(|_| AgeError::Header("MAC"))?;
    mac.update(&header.covered);
    mac.verify_slice(&header.mac)
        .map_err(|_| AgeError::Header("MAC"))?;
    let mut nonce = [0u8; 16];
    input.read_exact(&mut nonce).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => AgeError::Header("no payload nonce"),
        _ => AgeError::Io(e),
    })?;
    Ok(Reader {
        input,
        aead: payload_aead(file_key, &nonce),
        counter: 0,
        chunk: Vec::with_capacity(CHUNK + TAG),
        plain: Vec::new(),
        pos: 0,
        done: false,
    })
}

/// The file key in the header's one scrypt stanza.
fn unwrap_scrypt(
    stanzas: &[Stanza],
    passphrase: &str,
    max_work_factor: u8,
) -> Result<[u8; 16], AgeError> {
    let Some(stanza) = stanzas.iter().find(|s| s.args[0] == "scrypt") else {
        return Err(AgeError::NotPassphrase);
    };
    if stanzas.len() != 1 {
        return Err(AgeError::Header("a passphrase stanza must be alone"));
    }
    let [_, salt, factor] = stanza.args.as_slice() else {
        return Err(AgeError::Header("scrypt stanza arguments"));
    };
    let salt = B64
        .decode(salt)
        .ok()
        .filter(|s| s.len() == 16)
        .ok_or(AgeError::Header("scrypt salt"))?;
    let factor = work_factor(factor).ok_or(AgeError::Header("scrypt work factor"))?;
    if factor > max_work_factor {
        return Err(AgeError::TooMuchWork(factor));
    }
    if stanza.body.len() != 16 + TAG {
        return Err(AgeError::Header("scrypt stanza body"));
    }
    let wrap =
        scrypt_key(passphrase, &salt, factor).ok_or(AgeError::Header("scrypt work factor"))?;
    let key = ChaCha20Poly1305::new(&wrap)
        .decrypt(&Nonce::default(), stanza.body.as_slice())
        .map_err(|_| AgeError::WrongPassphrase)?;
    key.try_into().map_err(|_| AgeError::WrongPassphrase)
}

/// A work factor as the format writes it: decimal digits, no sign, no leading zero, 1 to 64.
fn work_factor(text: &str) -> Option<u8> {
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u8>().ok().filter(|f| (1..=64).contains(f))
}

fn scrypt_key(passphrase: &str, salt: &[u8], work_factor: u8) -> Option<Key> {
    let params = scrypt::Params::new(work_factor, 8, 1, 32).ok()?;
    let mut labelled = SCRYPT_LABEL.to_vec();
    labelled.extend_from_slice(salt);
    let mut key = Key::default();
    scrypt::scrypt(passphrase.as_bytes(), &labelled, &params, &mut key).ok()?;
    Some(key)
}

fn hkdf32(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA-256 output length.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, &mut out);
    out
}

/// The header's MAC, keyed by HKDF(file key, "header"), before the header is fed to it.
fn header_mac(file_key: &[u8; 16]) -> Result<Hmac<Sha256>, hmac::digest::InvalidLength> {
    <Hmac<Sha256> as Mac>::new_from_slice(&hkdf32(&[], file_key, b"header"))
}

fn payload_aead(file_key: &[u8; 16], nonce: &[u8; 16]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&hkdf32(nonce, file_key, b"payload").into())
}

/// The nonce of chunk `counter`: 11 bytes of big-endian counter, then 1 on the last chunk.
fn chunk_nonce(counter: u64, last: bool) -> Nonce {
    let mut nonce = Nonce::default();
    nonce[3..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

fn random<const N: usize>() -> io::Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out)
        .map_err(|_| io::Error::other("the system gives no randomness"))?;
    Ok(out)
}

/// Reads and checks the header's syntax (not its MAC: that needs the file key).
pub(crate) fn read_header(input: &mut impl BufRead) -> Result<Header, AgeError> {
    let mut covered = Vec::new();
    // A first line too long to read is not age either.
    let first = read_line(input, &mut covered).map_err(|e| match e {
        AgeError::Header(_) => AgeError::NotAge,
        e => e,
    })?;
    if first.as_deref() != Some(INTRO.as_bytes()) {
        return Err(AgeError::NotAge);
    }
    let mut stanzas = Vec::new();
    // Lines read so far (the first one included), against MAX_LINES.
    let mut lines = 1;
    let mut line = next_line(input, &mut covered, &mut lines)?;
    loop {
        if let Some(args) = line.strip_prefix(b"-> ") {
            let args = args
                .split(|&b| b == b' ')
                .map(|a| {
                    let ok = !a.is_empty() && a.iter().all(|b| (0x21..=0x7e).contains(b));
                    ok.then(|| String::from_utf8_lossy(a).into_owned())
                })
                .collect::<Option<Vec<_>>>()
                .ok_or(AgeError::Header("stanza arguments"))?;
            let mut text = Vec::new();
            loop {
                let body = next_line(input, &mut covered, &mut lines)?;
                if body.len() > 64 {
                    return Err(AgeError::Header("stanza body line too long"));
                }
                let full = body.len() == 64;
                text.extend_from_slice(&body);
                if !full {
                    break;
                }
            }
            let body = B64
                .decode(&text)
                .map_err(|_| AgeError::Header("stanza body"))?;
            stanzas.push(Stanza { args, body });
            line = next_line(input, &mut covered, &mut lines)?;
        } else if let Some(mac) = line.strip_prefix(b"--- ") {
            let mac: [u8; 32] = B64
                .decode(mac)
                .ok()
                .and_then(|m| m.try_into().ok())
                .ok_or(AgeError::Header("MAC line"))?;
            if stanzas.is_empty() {
                return Err(AgeError::Header("no recipient"));
            }
            // The MAC covers the header through "---", not the space and the MAC after it.
            let end = covered.len() - line.len() - 1 + 3;
            covered.truncate(end);
            return Ok(Header {
                stanzas,
                mac,
                covered,
            });
        } else {
            return Err(AgeError::Header("unexpected line"));
        }
    }
}

/// The next header line (without its `\n`); the end of the file here is a damaged header.
fn next_line(
    input: &mut impl BufRead,
    covered: &mut Vec<u8>,
    lines: &mut usize,
) -> Result<Vec<u8>, AgeError> {
    if *lines > MAX_LINES {
        return Err(AgeError::Header("too long"));
    }
    *lines += 1;
    read_line(input, covered)?.ok_or(AgeError::Header("cut short"))
}

/// One line ended by `\n`, appended to `covered`; `None` at the end of the input or on a line
/// without its `\n`.
fn read_line(input: &mut impl BufRead, covered: &mut Vec<u8>) -> Result<Option<Vec<u8>>, AgeError> {
    let mut line = Vec::new();
    let n = input
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 || line.last() != Some(&b'\n') {
        return if n > MAX_LINE {
            Err(AgeError::Header("line too long"))
        } else {
            Ok(None)
        };
    }
    covered.extend_from_slice(&line);
    line.pop();
    Ok(Some(line))
}

/// Writes the plaintext of an age file in chunks; [`Writer::finish`] writes the last one.
pub struct Writer<W: Write> {
    out: W,
    aead: ChaCha20Poly1305,
    counter: u64,
    buf: Vec<u8>,
}

impl<W: Write> Writer<W> {
    fn seal(&mut self, last: bool) -> io::Result<()> {
        let sealed = self
            .aead
            .encrypt(&chunk_nonce(self.counter, last), self.buf.as_slice())
            .map_err(|_| io::Error::other("a chunk could not be sealed"))?;
        self.out.write_all(&sealed)?;
        self.buf.clear();
        self.counter += 1;
        Ok(())
    }

    /// Writes the last chunk and returns the output.
    ///
    /// # Errors
    /// The output's error.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // A full chunk is sealed only once more data comes: the last one is marked as last.
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Reads the plaintext of an age file, checking each chunk and the end of the file.
pub struct Reader<R: BufRead> {
    input: R,
    aead: ChaCha20Poly1305,
    counter: u64,
    chunk: Vec<u8>,
    plain: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: BufRead> Reader<R> {
    fn next_chunk(&mut self) -> io::Result<()> {
        self.chunk.clear();
        (&mut self.input)
            .take((CHUNK + TAG) as u64)
            .read_to_end(&mut self.chunk)?;
        if self.chunk.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends before its last chunk",
            ));
        }
        let last = self.chunk.len() < CHUNK + TAG || self.input.fill_buf()?.is_empty();
        let plain = self
            .aead
            .decrypt(&chunk_nonce(self.counter, last), self.chunk.as_slice())
            .map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, "a chunk does not check out")
            })?;
        if last && plain.is_empty() && self.counter > 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "an empty last chunk after others",
            ));
        }
        self.counter += 1;
        self.done = last;
        self.plain = plain;
        self.pos = 0;
        Ok(())
    }
}

impl<R: BufRead> Read for Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
