import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskIdNumber, maskName, maskPhone, maskPlate } from '../src/privacy/mask.ts';

test('maskName keeps the surname and masks the given name', () => {
  assert.equal(maskName('张三丰'), '张**');
  assert.equal(maskName('李四'), '李*');
  assert.equal(maskName('欧阳娜娜'), '欧***');
  assert.equal(maskName('  王五 '), '王*', 'surrounding spaces are trimmed');
  assert.equal(maskName('买买提·艾力'), '买**·**', 'the interpunct of minority names stays');
  assert.equal(maskName('John Smith'), 'J*** *****');
});

test('maskName never reveals a one-character name and accepts empty input', () => {
  assert.equal(maskName('张'), '*');
  assert.equal(maskName(''), '');
  assert.equal(maskName('   '), '');
});

test('maskName counts code points, not UTF-16 halves', () => {
  // 𠀀 is outside the BMP (a surrogate pair): it must be masked as one character.
  assert.equal(maskName('张𠀀丰'), '张**');
  assert.equal(maskName('𠀀三'), '𠀀*');
});

test('maskPlate keeps province, office letter, first and last serial character', () => {
  assert.equal(maskPlate('黑A12345'), '黑A1***5');
  assert.equal(maskPlate('云A·8K2C7'), '云A8***7', 'separators are dropped');
  assert.equal(maskPlate('苏j 12345'), '苏J1***5', 'letters are upper-cased');
  assert.equal(maskPlate('黑AD12345'), '黑AD****5', 'new-energy plate (8 characters)');
  assert.equal(maskPlate('黑A1234学'), '黑A1***学', 'learner-car suffix is the last character');
});

test('maskPlate handles short and odd plates without revealing them', () => {
  assert.equal(maskPlate('黑A1'), '黑A*');
  assert.equal(maskPlate('黑A12'), '黑A1*');
  assert.equal(maskPlate('ABC123'), 'A****3', 'not a mainland plate: first and last kept');
  assert.equal(maskPlate(''), '');
});

test('maskPhone shows the first three and last four digits of a mobile number', () => {
  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone('138 1234 5678'), '138****5678');
  assert.equal(maskPhone('+86 138-1234-5678'), '+86 138****5678');
  assert.equal(maskPhone('008613812345678'), '+86 138****5678');
});

test('maskPhone handles landlines, short numbers and empty input', () => {
  assert.equal(maskPhone('0451-86761234'), '045*****1234');
  assert.equal(maskPhone('12122'), '***22');
  assert.equal(maskPhone('110'), '*10');
  assert.equal(maskPhone('7'), '*');
  assert.equal(maskPhone(''), '');
  assert.equal(maskPhone('n/a'), '');
});

test('maskIdNumber hides the date of birth of a resident identity number', () => {
  assert.equal(maskIdNumber('230102199001011234'), '2301**********1234');
  assert.equal(maskIdNumber('23010219900101123x'), '2301**********123X', 'check letter upper-cased');
  assert.equal(maskIdNumber('230102900101123'), '2301*******1123', 'old 15-digit number');
  assert.ok(!maskIdNumber('230102199001011234').includes('19900101'));
});

test('maskIdNumber handles other documents and short input', () => {
  assert.equal(maskIdNumber('E12345678'), 'E1*****78');
  assert.equal(maskIdNumber('1234'), '****');
  assert.equal(maskIdNumber(''), '');
});

test('no masker returns its input unchanged for realistic values', () => {
  for (const [mask, value] of [
    [maskName, '张三丰'],
    [maskPlate, '黑A12345'],
    [maskPhone, '13812345678'],
    [maskIdNumber, '230102199001011234'],
  ] as const) {
    assert.notEqual(mask(value), value);
    assert.equal(Array.from(mask(value)).length >= 1, true);
  }
});
