use std::io::{BufReader, Read, Write};
use std::path::PathBuf;

use super::*;

/// One test vector of C2SP's CCTV (see `tests/vectors/age/README.md`).
struct Vector {
    name: String,
    expect: String,
    payload_sha256: Option<String>,
    file_key: Option<[u8; 16]>,
    passphrase: Option<String>,
    file: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/age");
    let mut out = vec![];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
        let head = std::str::from_utf8(&bytes[..split]).unwrap();
        let mut body = bytes[split + 2..].to_vec();
        let mut v = Vector {
            name,
            expect: String::new(),
            payload_sha256: None,
            file_key: None,
            passphrase: None,
            file: vec![],
        };
        for line in head.lines() {
            let (key, value) = line.split_once(": ").unwrap();
            match key {
                "expect" => v.expect = value.into(),
                "payload" => v.payload_sha256 = Some(value.into()),
                "file key" => {
                    let key: Vec<u8> = (0..32)
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&value[i..i + 2], 16).unwrap())
                        .collect();
                    v.file_key = Some(key.try_into().unwrap());
                }
                "passphrase" => v.passphrase = Some(value.into()),
                "compressed" => {
                    assert_eq!(value, "zlib");
                    let mut plain = vec![];
                    flate2::read::ZlibDecoder::new(body.as_slice())
                        .read_to_end(&mut plain)
                        .unwrap();
                    body = plain;
                }
                _ => {}
            }
        }
        v.file = body;
        out.push(v);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The outcome in the vectors' words.
fn outcome(v: &Vector) -> String {
    let header = match &v.passphrase {
        // The reference implementation's highest work factor is 22.
        Some(p) => decrypt(v.file.as_slice(), p, 22),
        None => {
            let mut input = v.file.as_slice();
            match read_header(&mut input) {
                Ok(h) => open_payload(input, &h, &v.file_key.unwrap()),
                Err(e) => Err(e),
            }
        }
    };
    let mut reader = match header {
        Ok(r) => r,
        Err(AgeError::WrongPassphrase | AgeError::NotPassphrase) => return "no match".into(),
        Err(AgeError::Header("MAC")) => return "HMAC failure".into(),
        Err(AgeError::Io(e)) => panic!("{}: {e}", v.name),
        Err(_) => return "header failure".into(),
    };
    let mut plain = vec![];
    if reader.read_to_end(&mut plain).is_err() {
        return "payload failure".into();
    }
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&plain);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(Some(hex), v.payload_sha256, "{}: the plaintext", v.name);
    "success".into()
}

#[test]
fn every_vector_of_the_format_gives_its_expected_outcome() {
    let vectors = vectors();
    assert!(vectors.len() >= 70, "{} vectors", vectors.len());
    let mut wrong = vec![];
    for v in &vectors {
        let got = outcome(v);
        if got != v.expect {
            wrong.push(format!("{}: expected {}, got {got}", v.name, v.expect));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Each kind of outcome is exercised, the long streams included.
    for kind in [
        "success",
        "no match",
        "HMAC failure",
        "header failure",
        "payload failure",
    ] {
        assert!(vectors.iter().any(|v| v.expect == kind), "{kind}");
    }
}

#[test]
fn a_decrypted_vector_encrypts_again_to_the_same_stream() {
    // The vectors cannot check the writing side end to end (its randomness is its own), so
    // what is written is read back by the reader the vectors checked, and by the age crate.
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK] {
        let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let file = encrypted(&plain, "correct horse", 2);
        let mut back = vec![];
        decrypt(file.as_slice(), "correct horse", 2)
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, plain, "{len} bytes");
        // The chunks are as the format says: full ones, then a last one (empty only alone).
        let header = file.windows(4).position(|w| w == b"\n---").unwrap();
        let payload = file.len() - (header + 1 + 47 + 1) - 16;
        let chunks = len.div_ceil(CHUNK).max(1);
        assert_eq!(payload, len + chunks * 16, "{len} bytes");
        assert_eq!(
            by_the_age_crate(&file, "correct horse"),
            plain,
            "{len} bytes"
        );
    }
}

#[test]
fn what_the_age_crate_writes_is_read() {
    let plain = vec![42u8; 2 * CHUNK + 5];
    let mut recipient = ::age::scrypt::Recipient::new(::age::secrecy::SecretString::from(
        "correct horse".to_owned(),
    ));
    recipient.set_work_factor(2);
    let enc =
        ::age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn ::age::Recipient))
            .unwrap();
    let mut file = vec![];
    let mut w = enc.wrap_output(&mut file).unwrap();
    w.write_all(&plain).unwrap();
    w.finish().unwrap();
    let mut back = vec![];
    decrypt(BufReader::new(file.as_slice()), "correct horse", 2)
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, plain);
    assert!(matches!(
        decrypt(file.as_slice(), "wrong horse", 2),
        Err(AgeError::WrongPassphrase)
    ));
    assert!(matches!(
        decrypt(file.as_slice(), "correct horse", 1),
        Err(AgeError::TooMuchWork(2))
    ));
}

#[test]
fn the_header_is_as_the_format_writes_it() {
    let file = encrypted(b"x", "pass", 3);
    let text = String::from_utf8_lossy(&file);
    let lines: Vec<&str> = text.lines().take(4).collect();
    assert_eq!(lines[0], "age-encryption.org/v1");
    let args: Vec<&str> = lines[1].split(' ').collect();
    assert_eq!((args[0], args[1], args[3]), ("->", "scrypt", "3"));
    assert_eq!(B64.decode(args[2]).unwrap().len(), 16, "the salt");
    assert_eq!(
        B64.decode(lines[2]).unwrap().len(),
        32,
        "the sealed file key"
    );
    assert!(lines[3].starts_with("--- ") && B64.decode(&lines[3][4..]).unwrap().len() == 32);
    // Two files of the same text share nothing: salt, file key and nonce are fresh.
    let again = encrypted(b"x", "pass", 3);
    assert_ne!(file[22..], again[22..]);
}

#[test]
fn work_factors_are_read_only_in_their_one_spelling() {
    assert_eq!(work_factor("18"), Some(18));
    for bad in [
        "",
        "0",
        "018",
        "+18",
        "-1",
        "0x12",
        "18 ",
        "65",
        "256",
        "99999999999",
    ] {
        assert_eq!(work_factor(bad), None, "{bad:?}");
    }
}

#[test]
fn headers_that_never_end_are_refused_without_reading_everything() {
    let mut endless = b"age-encryption.org/v1\n".to_vec();
    for _ in 0..10_000 {
        endless.extend_from_slice(b"-> x\n\n");
    }
    assert!(matches!(
        read_header(&mut endless.as_slice()),
        Err(AgeError::Header(_))
    ));
    let mut long = b"age-encryption.org/v1\n-> ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 1 << 20));
    assert!(matches!(
        read_header(&mut long.as_slice()),
        Err(AgeError::Header(_))
    ));
}

fn encrypted(plain: &[u8], passphrase: &str, work_factor: u8) -> Vec<u8> {
    let mut w = encrypt(vec![], passphrase, work_factor).unwrap();
    // Written in odd pieces, as a copy would.
    for piece in plain.chunks(10_007) {
        w.write_all(piece).unwrap();
    }
    w.finish().unwrap()
}

fn by_the_age_crate(file: &[u8], passphrase: &str) -> Vec<u8> {
    let d = ::age::Decryptor::new_buffered(file).unwrap();
    let mut id =
        ::age::scrypt::Identity::new(::age::secrecy::SecretString::from(passphrase.to_owned()));
    id.set_max_work_factor(4);
    let mut r = d
        .decrypt(std::iter::once(&id as &dyn ::age::Identity))
        .unwrap();
    let mut out = vec![];
    r.read_to_end(&mut out).unwrap();
    out
}
