//! Calendar dates as manifests state them: TOML local dates, no time, no zone.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Why a text or a triple of numbers is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not written YYYY-MM-DD.
    #[error("`{0}` is not a date: expected YYYY-MM-DD, e.g. 2025-11-02")]
    Format(String),
    /// Written as a date, but no such day exists (a 30th of February).
    #[error("{year:04}-{month:02}-{day:02} is not a calendar date: {why}")]
    NoSuchDay {
        /// The year as written.
        year: i16,
        /// The month as written.
        month: i8,
        /// The day as written.
        day: i8,
        /// What the calendar says is wrong with it.
        why: String,
    },
}

/// A calendar day. Posture reasons in whole days, so a date never carries a time or zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(jiff::civil::Date);

impl Date {
    /// Builds a date, or says why the parts are not a real day.
    pub fn new(year: i16, month: i8, day: i8) -> Result<Self, DateError> {
        jiff::civil::Date::new(year, month, day)
            .map(Date)
            .map_err(|e| DateError::NoSuchDay {
                year,
                month,
                day,
                why: e.to_string(),
            })
    }

    /// The year, for writing the date in another format (a TOML date).
    pub fn year(self) -> u16 {
        u16::try_from(self.0.year()).unwrap_or(0)
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        u8::try_from(self.0.month()).unwrap_or(1)
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u8 {
        u8::try_from(self.0.day()).unwrap_or(1)
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        // A span between two civil dates in days cannot overflow jiff's range.
        self.0
            .until(later.0)
            .map(|span| i64::from(span.get_days()))
            .unwrap_or(0)
    }

    /// The date `days` days before this one, saturating at the calendar's start.
    pub fn minus_days(self, days: i64) -> Date {
        jiff::Span::new()
            .try_days(days)
            .and_then(|span| self.0.checked_sub(span))
            .map(Date)
            .unwrap_or(Date(jiff::civil::Date::MIN))
    }
}

impl Date {
    /// The date `days` days after this one, saturating at the calendar's end.
    pub fn plus_days(self, days: i64) -> Date {
        jiff::Span::new()
            .try_days(days)
            .and_then(|span| self.0.checked_add(span))
            .map(Date)
            .unwrap_or(Date(jiff::civil::Date::MAX))
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DateError::Format(s.to_string());
        // Digits only, as a schema's `date` format reads it: no spaces, no signs.
        let mut parts = s.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
            return Err(bad());
        }
        let y: i16 = y.parse().map_err(|_| bad())?;
        let m: i8 = m.parse().map_err(|_| bad())?;
        let d: i8 = d.parse().map_err(|_| bad())?;
        Date::new(y, m, d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    /// Accepts a TOML local date (`2025-11-02`) or the same text quoted.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date like 2025-11-02")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                let dt =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time, dt.offset) {
                    (Some(d), None, None) => {
                        let y = i16::try_from(d.year).map_err(de::Error::custom)?;
                        Date::new(y, d.month as i8, d.day as i8).map_err(de::Error::custom)
                    }
                    _ => Err(de::Error::custom(format!(
                        "`{dt}` has a time or offset: posture takes a plain date like 2025-11-02"
                    ))),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "description": "A calendar date, written as a TOML local date: 2025-11-02"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_counts_days() {
        let a: Date = "2024-02-28".parse().unwrap();
        let b: Date = "2024-03-01".parse().unwrap();
        assert_eq!(a.days_until(b), 2);
        assert_eq!(b.minus_days(2), a);
        assert_eq!(b.to_string(), "2024-03-01");
    }

    #[test]
    fn rejects_non_dates() {
        assert!("2024-02-30".parse::<Date>().is_err());
        assert!("24-2-3".parse::<Date>().is_err());
        assert!("yesterday".parse::<Date>().is_err());
    }

    #[test]
    fn reads_toml_dates_and_refuses_times() {
        #[derive(Deserialize)]
        struct T {
            d: Date,
        }
        let t: T = toml::from_str("d = 2025-11-02").unwrap();
        assert_eq!(t.d.to_string(), "2025-11-02");
        let e = toml::from_str::<T>("d = 2025-11-02T10:00:00Z")
            .err()
            .unwrap();
        assert!(e.to_string().contains("plain date"), "{e}");
    }
}
