// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title RoleToken
/// @notice An OpenZeppelin ERC-20 governed by AccessControl instead of an owner, for Tamga's
///         verification tests and demo: holders of MINTER_ROLE mint, the DEFAULT_ADMIN_ROLE
///         manages the roles, every holder burns. Not for use.
contract RoleToken is ERC20, ERC20Burnable, AccessControl {
    /// @notice The role allowed to call {mint}.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param name_ The token's name.
    /// @param symbol_ The token's symbol.
    /// @param admin The holder of DEFAULT_ADMIN_ROLE and MINTER_ROLE.
    constructor(string memory name_, string memory symbol_, address admin) ERC20(name_, symbol_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @notice Mint `amount` base units to `to`. Only MINTER_ROLE.
    /// @param to The receiver.
    /// @param amount How many base units.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }
}
