// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title TestToken
/// @notice An OpenZeppelin ERC-20 with an owner (Ownable) for Tamga's on-chain verification tests,
///         benchmark and demo: the owner mints, every holder burns (ERC20Burnable). Not for use.
/// @dev `decimals` is an immutable, so the runtime bytecode differs per deployment in the places a
///      "match" (as Sourcify calls it) ignores.
contract TestToken is ERC20, ERC20Burnable, Ownable {
    uint8 private immutable _decimals;

    /// @param name_ The token's name.
    /// @param symbol_ The token's symbol.
    /// @param decimals_ How many decimals one token has.
    /// @param owner_ The owner, allowed to mint.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_)
        ERC20(name_, symbol_)
        Ownable(owner_)
    {
        _decimals = decimals_;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mint `amount` base units to `to`. Only the owner.
    /// @param to The receiver.
    /// @param amount How many base units.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Burn `amount` base units of the caller's `parts` times, each burn its own
    ///         `Transfer(caller, 0x0, amount)` event (for the burn-scan benchmark and tests).
    /// @param parts How many burns.
    /// @param amount Base units per burn.
    function burnInParts(uint256 parts, uint256 amount) external {
        for (uint256 i = 0; i < parts; ++i) {
            _burn(msg.sender, amount);
        }
    }
}
