//! The shared vocabulary of ewtp: money, countries, HS codes, ids, parties, products and orders.
//! Pure: no I/O, no clock, no randomness (callers pass time and entropy in).

pub mod country;
pub mod decimal;
pub mod home_currency;
pub mod hs;
pub mod id;
pub mod money;
pub mod nomenclature;
pub mod order;
pub mod party;
pub mod personal;
pub mod product;
pub mod validate;

pub use country::Country;
pub use home_currency::home_currency;
pub use hs::HsCode;
pub use money::{Currency, Money, MoneyError, MAX_MINOR};
pub use order::{Order, OrderStatus};
pub use party::{Party, Role};
pub use personal::Personal;
pub use product::Product;
pub use validate::FieldError;
