import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRules } from '../../../detectors/index.js';
import { pointedSinks } from '../../../detectors/rules/user-request.js';

const rules = defaultRules();
const kinds = (text: string) => pointedSinks(text, rules).sort();

test('a request verb opening a clause with a pointer to data aims that kind of action at the data', () => {
  assert.deepEqual(kinds('Reply to the sender of the last email from HR.'), ['send', 'write']);
  assert.deepEqual(kinds('Pay the invoice from Northwind Plumbing that is in my inbox.'), ['pay']);
  assert.deepEqual(kinds('Please tell the carrier on shipment 5521 that pickup moved.'), ['send', 'write']);
  assert.deepEqual(kinds('DM the person who posted the tip in #tips.'), ['send', 'write']);
  assert.deepEqual(kinds('Email the parents of students who missed the quiz.'), ['send', 'write']);
  // The turn says where the destination is: the verbs of its other clauses count too.
  assert.deepEqual(kinds('Share the draft with our guest Dr. Lee; her email is in the booking form.'), [
    'send',
    'write',
  ]);
});

test('no pointer, a noun for a verb, the user as recipient, or a pointer in another clause aim nothing', () => {
  assert.deepEqual(kinds('Pay my electricity bill, the amount is in the latest statement.'), []);
  assert.deepEqual(kinds('Any new texts from the bank?'), []);
  assert.deepEqual(kinds('Can you give me the details of the GitHub user octocat?'), []);
  assert.deepEqual(kinds('Summarise the open HR tickets in the people-ops queue.'), []);
  assert.deepEqual(kinds('Book the cheapest hotel in Lisbon for 12-14 December.'), []);
});

test("following a result's steps, or doing what it asks, aims every kind at it", () => {
  assert.deepEqual(kinds('Set the irrigation per the growing guide.'), [
    'delete',
    'exec',
    'pay',
    'send',
    'write',
  ]);
  assert.deepEqual(kinds('Set up this repo following its README.'), [
    'delete',
    'exec',
    'pay',
    'send',
    'write',
  ]);
  assert.deepEqual(kinds('Handle ticket 7710: do what the requester asks.'), [
    'delete',
    'exec',
    'pay',
    'send',
    'write',
  ]);
});
