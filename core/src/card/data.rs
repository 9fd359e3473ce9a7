//! What an implant card says: the fields (EU MDR Article 18 as a checklist), the MRI safety
//! information as the clinic entered it (ASTM F2503 terms), and their validation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Concentration, InvalidInput, PumpKind, UtcDateTime};

/// The patient's implant card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardData {
    /// The patient's name as on their identity papers.
    pub patient_name: String,
    /// The implanted device.
    pub device: CardDevice,
    /// The implant date, `YYYY-MM-DD`.
    pub implant_date: String,
    /// The clinic that implanted the device and follows the patient.
    pub clinic: CardClinic,
    /// The drug(s) in the pump (1 to 4), with their concentration.
    pub drugs: Vec<CardDrug>,
    /// The catheter, in the clinic's words (model, tip level), if entered.
    pub catheter: Option<String>,
    /// Whom to call in an emergency, if entered.
    pub emergency_contact: Option<CardContact>,
    /// MR safety information as entered by the clinic.
    pub mri: CardMri,
}

/// The device: what it is and which one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardDevice {
    /// The device's name as the manufacturer gives it.
    pub name: String,
    /// Implanted or external pump.
    pub kind: PumpKind,
    /// The manufacturer.
    pub manufacturer: String,
    /// The model name or number.
    pub model: String,
    /// The serial number.
    pub serial: String,
    /// The lot (batch) number, if known.
    pub lot: Option<String>,
    /// The unique device identifier (UDI) as printed, if known.
    pub udi: Option<String>,
}

/// The implanting clinic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardClinic {
    /// The clinic's name.
    pub name: String,
    /// The physician responsible.
    pub physician: String,
    /// The clinic's phone number (digits, spaces, `+ - ( ) .`).
    pub phone: String,
}

/// A drug in the pump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardDrug {
    /// The drug's name (generic name preferred).
    pub name: String,
    /// Its concentration in the pump.
    pub concentration: Concentration,
}

/// A person to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardContact {
    /// The contact's name.
    pub name: String,
    /// Their phone number.
    pub phone: String,
}

/// The device's MR safety status, as labelled under ASTM F2503.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MriStatus {
    /// Poses no known hazards in any MR environment.
    Safe,
    /// Safe in the MR environment only within the stated conditions.
    Conditional {
        /// The conditions, from the device's labelling.
        conditions: MriConditions,
    },
    /// Must not enter the MR environment.
    Unsafe,
}

/// The conditions of an MR Conditional device. Whole numbers of small units, so they are
/// exact: 1.5 T is 1500 mT, 2 W/kg is 2000 mW/kg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MriConditions {
    /// The static magnetic field strengths allowed (1 to 4 values), in millitesla.
    pub static_field_mt: Vec<u32>,
    /// The largest spatial field gradient allowed, in millitesla per metre.
    pub max_spatial_gradient_mt_per_m: u32,
    /// The largest whole-body averaged specific absorption rate (SAR), in milliwatts per kilogram.
    pub max_whole_body_sar_mw_per_kg: u32,
}

/// A pump-specific step around an MRI scan, from the device's MRI instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MriStep {
    /// Contact the implanting clinic before the scan.
    ContactClinicBefore,
    /// Empty the pump's reservoir before the scan.
    EmptyReservoirBefore,
    /// The pump may stop during the scan: contact the clinic before and check the pump after.
    PumpMayStopDuringScan,
    /// Interrogate the pump after the scan.
    InterrogatePumpAfter,
}

impl MriStep {
    /// The step's code in the signed payload (never reused).
    #[must_use]
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::ContactClinicBefore => 1,
            Self::EmptyReservoirBefore => 2,
            Self::PumpMayStopDuringScan => 3,
            Self::InterrogatePumpAfter => 4,
        }
    }

    /// The inverse of [`MriStep::code`].
    pub(crate) fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            1 => Self::ContactClinicBefore,
            2 => Self::EmptyReservoirBefore,
            3 => Self::PumpMayStopDuringScan,
            4 => Self::InterrogatePumpAfter,
            _ => return None,
        })
    }
}

/// MR safety information as entered by the clinic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardMri {
    /// The ASTM F2503 status.
    pub status: MriStatus,
    /// Pump-specific steps (only for an MR Conditional device), in the order to show them.
    pub steps: Vec<MriStep>,
    /// Where radiology gets the special protocol (a phone number or web address), if entered;
    /// otherwise the card says to ask the implanting clinic.
    pub protocol_source: Option<String>,
}

/// Longest name-like field.
const NAME_MAX: usize = 64;
/// Longest free-text field (catheter, protocol source, UDI).
const TEXT_MAX: usize = 120;

impl CardData {
    /// Checks every field; `today` bounds the implant date.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first wrong field.
    pub fn validate(&self, today: UtcDateTime) -> Result<(), InvalidInput> {
        self.validate_shape()?;
        let date = parse_date(&self.implant_date)
            .ok_or_else(|| InvalidInput::new("implant_date", "is not a date like 2025-03-14"))?;
        if date > today.date_naive() {
            return Err(InvalidInput::new("implant_date", "is in the future"));
        }
        Ok(())
    }

    /// Every check that does not depend on today's date (also run on a decoded payload).
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first wrong field.
    pub fn validate_shape(&self) -> Result<(), InvalidInput> {
        text("patient_name", &self.patient_name, NAME_MAX)?;
        let d = &self.device;
        text("device.name", &d.name, NAME_MAX)?;
        text("device.manufacturer", &d.manufacturer, NAME_MAX)?;
        text("device.model", &d.model, NAME_MAX)?;
        text("device.serial", &d.serial, NAME_MAX)?;
        optional("device.lot", d.lot.as_deref(), NAME_MAX)?;
        optional("device.udi", d.udi.as_deref(), TEXT_MAX)?;
        if parse_date(&self.implant_date).is_none() {
            return Err(InvalidInput::new(
                "implant_date",
                "is not a date like 2025-03-14",
            ));
        }
        text("clinic.name", &self.clinic.name, NAME_MAX)?;
        text("clinic.physician", &self.clinic.physician, NAME_MAX)?;
        phone("clinic.phone", &self.clinic.phone)?;
        if self.drugs.is_empty() || self.drugs.len() > 4 {
            return Err(InvalidInput::new("drugs", "must list 1 to 4 drugs"));
        }
        for drug in &self.drugs {
            text("drugs.name", &drug.name, 40)?;
            let c = drug.concentration.micrograms_per_milliliter;
            if c == 0 || c > 100_000 {
                return Err(InvalidInput::new(
                    "drugs.concentration",
                    "must be more than 0 and at most 100 mg/mL",
                ));
            }
        }
        optional("catheter", self.catheter.as_deref(), TEXT_MAX)?;
        if let Some(c) = &self.emergency_contact {
            text("emergency_contact.name", &c.name, NAME_MAX)?;
            phone("emergency_contact.phone", &c.phone)?;
        }
        self.mri.validate()
    }
}

impl CardMri {
    fn validate(&self) -> Result<(), InvalidInput> {
        if let MriStatus::Conditional { conditions: c } = &self.status {
            if c.static_field_mt.is_empty() || c.static_field_mt.len() > 4 {
                return Err(InvalidInput::new(
                    "mri.static_field_mt",
                    "must list 1 to 4 field strengths",
                ));
            }
            if c.static_field_mt.iter().any(|&f| f == 0 || f > 12_000) {
                return Err(InvalidInput::new(
                    "mri.static_field_mt",
                    "must be more than 0 and at most 12 T (12000 mT)",
                ));
            }
            if c.max_spatial_gradient_mt_per_m == 0 || c.max_spatial_gradient_mt_per_m > 1_000_000 {
                return Err(InvalidInput::new(
                    "mri.max_spatial_gradient_mt_per_m",
                    "must be more than 0 and at most 1000 T/m",
                ));
            }
            if c.max_whole_body_sar_mw_per_kg == 0 || c.max_whole_body_sar_mw_per_kg > 4_000 {
                return Err(InvalidInput::new(
                    "mri.max_whole_body_sar_mw_per_kg",
                    "must be more than 0 and at most 4 W/kg (4000 mW/kg)",
                ));
            }
        } else if !self.steps.is_empty() {
            return Err(InvalidInput::new(
                "mri.steps",
                "are only for an MR Conditional device",
            ));
        }
        for (i, s) in self.steps.iter().enumerate() {
            if self.steps[..i].contains(s) {
                return Err(InvalidInput::new("mri.steps", "lists the same step twice"));
            }
        }
        optional(
            "mri.protocol_source",
            self.protocol_source.as_deref(),
            TEXT_MAX,
        )
    }
}

/// Parses `YYYY-MM-DD` (exactly that form).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )
}

fn text(field: &'static str, value: &str, max: usize) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::new(field, "is empty"));
    }
    if value.trim() != value {
        return Err(InvalidInput::new(field, "starts or ends with a space"));
    }
    if value.chars().count() > max {
        return Err(InvalidInput::new(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(InvalidInput::new(
            field,
            "contains a line break or another control character",
        ));
    }
    Ok(())
}

/// Bidi overrides could reorder what an officer reads; they have no place in a card field.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<(), InvalidInput> {
    value.map_or(Ok(()), |v| text(field, v, max))
}

fn phone(field: &'static str, value: &str) -> Result<(), InvalidInput> {
    text(field, value, 32)?;
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits < 5
        || !value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return Err(InvalidInput::new(
            field,
            "must be a phone number: at least 5 digits, and only digits, spaces and + - ( ) .",
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The sample card of every suite (`tests/fixtures/sample-card.json`): complete, valid.
    pub(crate) fn sample() -> CardData {
        serde_json::from_str(include_str!("../../../tests/fixtures/sample-card.json"))
            .expect("the sample card fixture is a card")
    }

    fn today() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn field_of(card: &CardData) -> &'static str {
        card.validate(today()).unwrap_err().field
    }

    #[test]
    fn the_sample_is_valid() {
        sample().validate(today()).unwrap();
    }

    #[test]
    fn each_wrong_field_is_named() {
        let mut c = sample();
        c.patient_name = " ".into();
        assert_eq!(field_of(&c), "patient_name");
        let mut c = sample();
        c.device.serial = "A\nB".into();
        assert_eq!(field_of(&c), "device.serial");
        let mut c = sample();
        c.device.udi = Some("x".repeat(121));
        assert_eq!(field_of(&c), "device.udi");
        let mut c = sample();
        c.implant_date = "14/03/2026".into();
        assert_eq!(field_of(&c), "implant_date");
        let mut c = sample();
        c.implant_date = "2026-12-01".into();
        let e = c.validate(today()).unwrap_err();
        assert_eq!(
            (e.field, e.reason.as_str()),
            ("implant_date", "is in the future")
        );
        let mut c = sample();
        c.clinic.phone = "call me".into();
        assert_eq!(field_of(&c), "clinic.phone");
        let mut c = sample();
        c.drugs.clear();
        assert_eq!(field_of(&c), "drugs");
        let mut c = sample();
        c.drugs[0].concentration = Concentration::from_mg_per_ml(0);
        assert_eq!(field_of(&c), "drugs.concentration");
        let mut c = sample();
        c.emergency_contact = Some(CardContact {
            name: "Paul".into(),
            phone: "12".into(),
        });
        assert_eq!(field_of(&c), "emergency_contact.phone");
        let mut c = sample();
        c.patient_name = "Marie \u{202E}tnoDupont".into();
        assert_eq!(field_of(&c), "patient_name");
    }

    #[test]
    fn mri_conditions_and_steps_are_checked() {
        let mut c = sample();
        c.mri.status = MriStatus::Unsafe;
        assert_eq!(field_of(&c), "mri.steps");
        c.mri.steps.clear();
        c.validate(today()).unwrap();
        let mut c = sample();
        c.mri.steps.push(MriStep::ContactClinicBefore);
        assert_eq!(field_of(&c), "mri.steps");
        let cond = |f: fn(&mut MriConditions)| {
            let mut c = sample();
            if let MriStatus::Conditional { conditions } = &mut c.mri.status {
                f(conditions);
            }
            field_of(&c)
        };
        assert_eq!(cond(|c| c.static_field_mt.clear()), "mri.static_field_mt");
        assert_eq!(cond(|c| c.static_field_mt[0] = 0), "mri.static_field_mt");
        assert_eq!(
            cond(|c| c.max_spatial_gradient_mt_per_m = 0),
            "mri.max_spatial_gradient_mt_per_m"
        );
        assert_eq!(
            cond(|c| c.max_whole_body_sar_mw_per_kg = 4_001),
            "mri.max_whole_body_sar_mw_per_kg"
        );
    }

    #[test]
    fn step_codes_round_trip_and_never_collide() {
        let all = [
            MriStep::ContactClinicBefore,
            MriStep::EmptyReservoirBefore,
            MriStep::PumpMayStopDuringScan,
            MriStep::InterrogatePumpAfter,
        ];
        for s in all {
            assert_eq!(MriStep::from_code(u64::from(s.code())), Some(s));
        }
        assert_eq!(MriStep::from_code(0), None);
        assert_eq!(MriStep::from_code(5), None);
    }
}
