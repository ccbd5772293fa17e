//! Reading typed values from the environment, naming the variable in every error.

use std::fmt::Display;
use std::str::FromStr;

use secrecy::SecretString;

/// Collects configuration errors so that start-up reports every bad variable at once.
#[derive(Debug, Default)]
pub struct EnvReader {
    errors: Vec<String>,
}

/// The configuration could not be read: each entry names a variable and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

impl EnvReader {
    pub fn new() -> Self {
        Self::default()
    }

    fn raw(name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }

    /// A variable that must be set.
    pub fn required<T>(&mut self, name: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        match Self::raw(name) {
            Some(value) => self.parse(name, &value),
            None => {
                self.errors.push(format!("{name} is required but not set"));
                None
            }
        }
    }

    /// A variable with a default used when it is unset or empty.
    pub fn optional<T>(&mut self, name: &str, default: T) -> T
    where
        T: FromStr,
        T::Err: Display,
    {
        match Self::raw(name) {
            Some(value) => self.parse(name, &value).unwrap_or(default),
            None => default,
        }
    }

    /// A variable that may be absent altogether.
    pub fn maybe<T>(&mut self, name: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        Self::raw(name).and_then(|value| self.parse(name, &value))
    }

    /// A secret that must be set; its value never appears in an error.
    pub fn secret(&mut self, name: &str) -> Option<SecretString> {
        match Self::raw(name) {
            Some(value) => Some(SecretString::from(value)),
            None => {
                self.errors.push(format!("{name} is required but not set"));
                None
            }
        }
    }

    /// A secret that may be absent.
    pub fn maybe_secret(name: &str) -> Option<SecretString> {
        Self::raw(name).map(SecretString::from)
    }

    /// Records an error found while checking values against each other.
    pub fn invalid(&mut self, name: &str, why: impl Display) {
        self.errors.push(format!("{name}: {why}"));
    }

    fn parse<T>(&mut self, name: &str, value: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        match value.trim().parse() {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                self.errors.push(format!("{name} has an invalid value: {err}"));
                None
            }
        }
    }

    /// Ends reading: every problem found so far, or the finished value.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ConfigError> {
        if !self.errors.is_empty() {
            return Err(ConfigError(self.errors));
        }
        build().ok_or_else(|| ConfigError(vec!["incomplete configuration".into()]))
    }
}

/// Loads `.env` from the working directory if there is one; real environment variables win.
pub fn load_dotenv() {
    let _ = dotenvy::dotenv();
}
