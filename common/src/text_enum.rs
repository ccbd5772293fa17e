//! `text_enum!`: a status column kept as `TEXT` with a `CHECK` list, as a Rust enum. The enum
//! names each allowed value once: `as_str`, `Display`, `FromStr`, serde, and sqlx's
//! `Type`/`Encode`/`Decode` as text, so a compile-checked query can say
//! `status AS "status: AppointmentStatus"` and a value outside the list never reaches the code.
//! `ALL` lets a test compare the variants with the table's `CHECK` list.

/// Declares a text-backed status enum: `text_enum! { pub enum PaymentStatus { Pending = "pending", … } }`.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order of the `CHECK` list.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("`{other}` is not a {}", stringify!($name))),
                }
            }
        }

        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut sqlx::postgres::PgArgumentBuffer) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?.parse()?)
            }
        }
    };
}

/// The literals of a column's `CHECK (col IN ('a', 'b'))` constraint, as PostgreSQL prints it
/// (`CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`), in order.
pub fn check_list(definition: &str) -> Vec<String> {
    definition.split('\'').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    crate::text_enum! {
        /// A test enum.
        enum Light { Red = "red", Green = "green" }
    }

    #[test]
    fn values_round_trip_through_text_and_json() {
        assert_eq!(Light::Red.as_str(), "red");
        assert_eq!("green".parse::<Light>(), Ok(Light::Green));
        assert!("blue".parse::<Light>().is_err());
        assert_eq!(serde_json::to_string(&Light::Green).ok().as_deref(), Some("\"green\""));
        assert_eq!(Light::ALL, &[Light::Red, Light::Green]);
    }

    #[test]
    fn check_lists_are_read_from_postgres_definitions() {
        let def = "CHECK ((status = ANY (ARRAY['pending'::text, 'paid'::text, 'refunded'::text])))";
        assert_eq!(super::check_list(def), ["pending", "paid", "refunded"]);
    }
}
