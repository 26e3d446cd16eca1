//! What is computed from reports and manifests beyond one grade: the remediation plan, what-if
//! edits, the difference between two reports, the forecast of dates ahead, the value of stating unknown facts, the backtest study and the portfolio view.

pub mod backtest;
pub mod diff;
pub mod forecast;
pub mod gaps;
pub mod league;
pub mod portfolio;
pub mod research;
pub mod rubric_test;
pub mod whatif;
