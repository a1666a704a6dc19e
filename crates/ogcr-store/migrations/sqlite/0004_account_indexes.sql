-- An account's retirements and the roles it holds are read by address (/accounts/{address}).
CREATE INDEX retirements_by_owner ON retirements (owner);
CREATE INDEX role_members_by_account ON role_members (account);
