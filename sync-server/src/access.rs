//! What each principal may do (APP 04.05 §V Governance, §VIII Exceptions): one table, read by
//! every handler through [`Principal::require`], by the department confinement
//! ([`Principal::confined_to`], [`Principal::department_filter`]), and handed to the console at
//! sign-in (`can` in the session), so the console shows what the server will allow without
//! keeping its own copy of the matrix.
//!
//! Checks that depend on the record as well as the role (which accounts a city manager may
//! manage, which tools a department head keeps the staff of) stay with their handlers; they
//! start from an action here.

use serde::Serialize;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::tokens::Role;

/// Something a principal may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Fetch the policy, send reports and approval requests (a managed browser).
    UseDeviceApi,
    /// Sign in to the console and read what the role's departments hold.
    UseConsole,
    /// Read every department's records (reports, devices, approval requests); otherwise a
    /// principal sees its own department's only.
    AllDepartments,
    /// Edit the draft policy: the whole document and every section but the exceptions.
    EditPolicy,
    /// Grant and revoke exceptions (§VIII: the City Manager only).
    EditExceptions,
    /// Keep the staff list of an authorized tool (a department head: of their department's
    /// tools).
    EditStaff,
    /// Publish the draft as the next version.
    Publish,
    /// Publish an earlier version again.
    Rollback,
    /// Review, approve and deny approval requests.
    Review,
    /// Read the audit log.
    Audit,
    /// Read the reasons of suspensions.
    ReadReasons,
    /// Manage console accounts other than city managers'.
    ManageAccounts,
    /// Grant, change, reset and remove the city_manager role (§VIII).
    ManageCityManagers,
    /// Revoke device and operator tokens.
    RevokeTokens,
}

use Action::*;

/// The table: each role and everything it may do.
const TABLE: [(Role, &[Action]); 5] = [
    (Role::Device, &[UseDeviceApi]),
    // The IT Director and IT staff: the AI Policy Authority (§V).
    (Role::ItAdmin, &[UseConsole, AllDepartments, EditPolicy, EditStaff, Publish, Rollback, Review, Audit, ReadReasons, ManageAccounts, RevokeTokens]),
    // Their own department's records, and the staff authorized per tool (§V).
    (Role::DeptHead, &[UseConsole, EditStaff]),
    // Reads everything, changes nothing.
    (Role::Auditor, &[UseConsole, AllDepartments, Audit]),
    // Approves exceptions (§VIII) and may publish them.
    (Role::CityManager, &[UseConsole, AllDepartments, EditExceptions, Publish, Audit, ReadReasons, ManageCityManagers]),
];

/// Everything `role` may do, in the table's order.
pub fn allowed(role: Role) -> &'static [Action] {
    TABLE.iter().find(|(r, _)| *r == role).map_or(&[], |(_, actions)| actions)
}

/// Whether `role` may do `action`.
pub fn may(role: Role, action: Action) -> bool {
    allowed(role).contains(&action)
}

impl Principal {
    /// Whether the caller may do `action`.
    pub fn may(&self, action: Action) -> bool {
        may(self.role(), action)
    }

    /// Fails with 403 unless the caller may do `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        self.require_any(&[action])
    }

    /// Fails with 403 unless the caller may do one of `actions`.
    pub fn require_any(&self, actions: &[Action]) -> Result<(), ApiError> {
        if actions.iter().any(|a| self.may(*a)) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("the {} role may not do this", self.role().as_str())))
        }
    }

    /// The department a caller's records are confined to (a department head's own, a
    /// device's own); `None` for one who reads every department.
    pub fn confined_to(&self) -> Option<&str> {
        if self.may(AllDepartments) { None } else { Some(self.claims.department.as_deref().unwrap_or("")) }
    }

    /// Whether the caller may see a record of `department`.
    pub fn sees(&self, department: &str) -> bool {
        self.confined_to().is_none_or(|own| own == department)
    }

    /// The department filter a query may use: a confined caller's own whatever it asked for,
    /// or 403 if it asked for another department.
    pub fn department_filter(&self, requested: Option<String>) -> Result<Option<String>, ApiError> {
        match (self.confined_to(), requested) {
            (None, requested) => Ok(requested),
            (Some(own), Some(d)) if d != own => Err(ApiError::Forbidden("a department head sees their own department's records only".into())),
            (Some(own), _) => Ok(Some(own.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_row_and_only_devices_use_the_device_api() {
        for role in [Role::Device, Role::ItAdmin, Role::DeptHead, Role::Auditor, Role::CityManager] {
            assert!(!allowed(role).is_empty(), "{role:?}");
            assert_eq!(may(role, UseDeviceApi), role == Role::Device, "{role:?}");
            assert_eq!(may(role, UseConsole), Role::ADMINS.contains(&role), "{role:?}");
        }
    }

    #[test]
    fn separation_of_duties() {
        // §VIII: only the City Manager grants exceptions; IT cannot, nor grant the role.
        let exceptions: Vec<Role> = Role::ADMINS.into_iter().filter(|r| may(*r, EditExceptions)).collect();
        assert_eq!(exceptions, [Role::CityManager]);
        assert!(!may(Role::ItAdmin, ManageCityManagers));
        // Department heads are confined; auditors change nothing.
        assert!(!may(Role::DeptHead, AllDepartments));
        assert_eq!(allowed(Role::Auditor), [UseConsole, AllDepartments, Audit]);
    }
}
