// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @title ProxiedToken
/// @notice The implementation of an upgradeable (UUPS, EIP-1967) OpenZeppelin ERC-20 for Tamga's
///         verification tests and demo; it lives behind a TokenProxy. Not for use.
/// @dev Name, symbol and owner are set by {initialize} in the proxy's storage (the constructor
///      runs only for the implementation, whose initializers it disables).
contract ProxiedToken is ERC20, ERC20Burnable, Ownable, Initializable, UUPSUpgradeable {
    string private _tokenName;
    string private _tokenSymbol;

    constructor() ERC20("", "") Ownable(msg.sender) {
        _disableInitializers();
    }

    /// @notice Set up the token in the proxy's storage (once).
    /// @param name_ The token's name.
    /// @param symbol_ The token's symbol.
    /// @param owner_ The owner, allowed to mint and to upgrade.
    function initialize(string calldata name_, string calldata symbol_, address owner_)
        external
        initializer
    {
        _tokenName = name_;
        _tokenSymbol = symbol_;
        _transferOwnership(owner_);
    }

    /// @inheritdoc ERC20
    function name() public view override returns (string memory) {
        return _tokenName;
    }

    /// @inheritdoc ERC20
    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    /// @notice Mint `amount` base units to `to`. Only the owner.
    /// @param to The receiver.
    /// @param amount How many base units.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice The implementation's version.
    /// @return The version number.
    function version() external pure virtual returns (uint256) {
        return 1;
    }

    /// @dev Only the owner upgrades.
    function _authorizeUpgrade(address) internal override onlyOwner {}
}

/// @title ProxiedTokenV2
/// @notice A second implementation of ProxiedToken with the same storage layout (an upgrade).
contract ProxiedTokenV2 is ProxiedToken {
    /// @inheritdoc ProxiedToken
    function version() external pure override returns (uint256) {
        return 2;
    }
}
